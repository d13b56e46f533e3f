"""Start the sidebar: engine thread, window, search popup, tray, hotkeys, clipboard watch.
`kefu` with no arguments lands here.

All OS work goes through the ports in assistant/platform (selected at start and logged); tests
pass fakes. Everything here runs on the GUI thread; the engine runs on its own QThread and the
hotkey listener on an OS thread, both talking to us through queued signals only.

Size (~1,000 lines): the wiring of every part of the sidebar. The window polling is in
ui/front_window.py, the usage state in assistant/usage/session.py, one-off jobs in
ui/background.py; what is left here is reacting to each of them.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QRect, QTimer, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from assistant import copyfilter, paths
from assistant import platform as osplatform
from assistant import profiles as chat_profiles
from assistant.engine import Conversation
from assistant.recent import RecentMessages
from assistant.platform.chat_clients import UNKNOWN, ChatPlatform, classify, profile_for
from assistant.platform.paste import GrabJob, JobResult, PasteJob
from assistant.platform.ports import Adapters, WindowInfo
from ui.background import Background
from ui.front_window import FrontWindow
from ui.fonts import apply_cjk_font
from ui.popup import SearchPopup
from ui.qt_platform import HotkeyBridge, QtClipboard, QtScheduler
from assistant.settings import Settings, set_portable
from assistant.usage.session import UsageSession
from ui.settings_dialog import SettingsDialog
from ui.sidebar import Sidebar
from ui.tray import Tray, app_icon
from ui.screen_watch import PreferText, QtOcrScreenText, ScreenWatch
from ui.engine_thread import EngineThread

log = logging.getLogger(__name__)


def is_chat_window(win: WindowInfo | None) -> bool:
    """A chat client (or a browser tab of one) — where customers' messages come from. Text copied
    anywhere else (a document, a generic web page) is analysed but its words are not logged."""
    return win is not None and classify(win).id not in ("unknown", "browser")


def _display_problem() -> str | None:
    if sys.platform.startswith("linux") and os.environ.get("QT_QPA_PLATFORM", "") not in ("offscreen", "minimal"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return "没有可用的显示器（DISPLAY 未设置）。请在桌面环境里启动，或用 `kefu suggest` 在终端使用。"
    return None


class App(QObject):
    """Lives in the GUI thread, so worker signals reach these slots queued (never on the worker)."""

    # after a successful paste: {"source": "sidebar"|"search", "reply_id", "intent", "rank", "edited",
    # "empathy", "text", "platform", "auto_send"} — the hook for the usage/learning log
    reply_pasted = Signal(dict)
    variant_found = Signal(object)  # a usage.VariantProposal for the sidebar to offer

    def __init__(self, db_file=None, adapters: Adapters | None = None, settings: Settings | None = None,
                 clipboard=None):
        super().__init__()
        if settings is None:
            settings, problem = Settings.load()
        else:
            problem = None
        self.settings = settings
        self.adapters = adapters if adapters is not None else osplatform.select()
        if clipboard is None:
            if adapters is not None and adapters.name == "fake":
                clipboard = adapters.clipboard
            else:  # Windows: the real sequence number; elsewhere QClipboard's change signal
                seq = self.adapters.clipboard.sequence if self.adapters.name == "windows" else None
                clipboard = QtClipboard(seq)
        self.clipboard = clipboard
        self.scheduler = QtScheduler(self)
        self.window = Sidebar()
        self.popup = SearchPopup()
        self.tray = Tray(self)
        # resolved once: every window and background job opens this one database
        self.db_file = Path(db_file) if db_file else paths.db_path()
        self.engine = EngineThread(self.db_file, settings=settings)
        self.hotkeys = HotkeyBridge(self.adapters.hotkeys, self)
        self.platform: ChatPlatform = UNKNOWN
        self.last_external: WindowInfo | None = None  # the chat window replies go to
        self.popup_target: WindowInfo | None = None
        self.job: PasteJob | GrabJob | None = None
        self.last_result: JobResult | None = None
        self._pending_target: WindowInfo | None = None
        self._pending_meta: dict | None = None
        self._latest = 0
        self._latest_search = 0
        self._entities: dict = {}
        self._message = ""  # the text of the latest analyse() request
        self.usage = UsageSession()  # the message on screen as the learning log knows it
        self.background = Background(self)
        self.stats_view = None
        self.import_dialog = None
        self.kb_window = None
        self.timing: dict[str, float] = {}
        self._startup_problem = problem
        self.ready = False
        self.profiles = settings.chat_profiles()
        self.chat_profile: chat_profiles.Profile | None = None  # the client in front (or last)
        self._source = "copy"  # where the message on screen came from: copy | screen | typed
        self._pasted: list[str] = []  # replies pasted lately (a copy of one is not a customer message)
        self.recent = RecentMessages()  # per chat window: messages copied, replies pasted (memory only)
        self._clip_at: tuple[float, int] | None = None  # last clipboard change: when, front window
        self.picker = None
        self.watch = ScreenWatch(self._screen_port(), self.adapters.active_window, self.is_own, self, driven=True)
        self.watch.set_profiles(self.profiles)
        self.watch.message.connect(self._on_screen_message)
        self.watch.state_changed.connect(self._on_watch_state)

        worker = self.engine.worker
        worker.ready.connect(self._on_ready)
        worker.failed.connect(self._on_failed)
        worker.broken.connect(self._on_broken)
        worker.recovered.connect(self._on_recovered)
        worker.suggested.connect(self._on_suggested)
        worker.searched.connect(self._on_searched)
        w = self.window
        w.message_changed.connect(self.analyse)
        w.paste_requested.connect(lambda t: self.request_paste(t, None, dict(w.picked)))
        w.paste_confirmed.connect(lambda t: self.paste(t, self._pending_target, self._pending_meta))
        w.settings_requested.connect(self.open_settings)
        w.dbstate.action.connect(self.recover)
        w.dock_requested.connect(self._dock_clicked)
        w.compact_changed.connect(self._compact_clicked)
        w.geometry_changed.connect(self._geometry_changed)
        w.hide_requested.connect(self.window.hide)
        w.replies.painted.connect(lambda t: self.timing.__setitem__("painted_at", t))
        w.title.setContextMenuPolicy(Qt.CustomContextMenu)
        w.title.customContextMenuRequested.connect(lambda pos: self.tray.menu.popup(w.title.mapToGlobal(pos)))
        self.popup.query_changed.connect(self.search)
        self.popup.chosen.connect(lambda t: self.request_paste(
            t, self.popup_target, {"source": "search", "reply_id": self.popup.chosen_hit.get("id"),
                                   "intent": self.popup.chosen_hit.get("intent"), "rank": None,
                                   "edited": False, "empathy": False}))
        self.popup.closed.connect(self._popup_closed)
        self.popup.shown.connect(lambda t: self.timing.__setitem__("popup_shown_at", t))
        self.tray.toggle_window.connect(self.toggle_window)
        self.tray.pause_toggled.connect(self.set_paused)
        self.tray.settings_requested.connect(self.open_settings)
        self.tray.stats_requested.connect(self.open_stats)
        self.tray.import_requested.connect(self.open_import)
        self.tray.kb_requested.connect(self.open_kb)
        self.tray.watch_toggled.connect(self.set_watch)
        self.tray.mark_requested.connect(self.mark_area)
        w.title.watch_btn.toggled.connect(self.set_watch)
        self.reply_pasted.connect(self._log_pasted)
        self.variant_found.connect(self.window.variant.offer)
        self.window.variant.save.connect(self._save_variant)
        self.window.variant.decline.connect(self._decline_variant)
        self.tray.quit_requested.connect(self.quit)
        self.hotkeys.triggered.connect(self._on_hotkey)
        self.clipboard.watch(self._on_clipboard)
        self.front = FrontWindow(self.adapters, self.window, self.is_own, lambda: self.settings.paused,
                                 self._restart_hotkeys, self)
        self._poll = self.front.timer
        self._poll.timeout.connect(self.poll_active)
        self._health = QTimer(self, interval=2000)  # the usage log's writer: locked / read-only / full?
        self._health.timeout.connect(self.check_health)
        self._log_state: str | None = None
        self._readonly = False
        self._chat_text: tuple[str, bool] | None = None  # the latest copied text, and whether a chat window was in front
        self.dialog: SettingsDialog | None = None

    # --- start / stop -----------------------------------------------------------------------

    def start(self) -> None:
        self.engine.start()
        self._apply_look(first=True)
        self.window.show()
        if not self.tray.show():
            log.info("no system tray: the menu is on the sidebar title bar (right click)")
            self.window.title.hide_btn.hide()  # hidden without a tray = lost until the next launch
        self.tray.set_paused(self.settings.paused)
        self._bind_hotkeys(start=not self.settings.paused)
        if self.settings.paused:
            self.adapters.hotkeys.pause(True)
            self.window.set_status("已暂停：不看剪贴板，不响应快捷键（托盘菜单里恢复）")
        notes = list(self.adapters.notes)
        if self._startup_problem:
            notes.append(self._startup_problem)
        if notes:
            log.info("platform notes: %s", notes)
            if self._startup_problem or self.adapters.name in ("none", "wayland"):
                self.window.show_toast("；".join(notes), error=True)
        self.poll_active()
        self._poll.start()
        self._health.start()
        if self.settings.watch_screen:
            self.set_watch(True)
        else:
            self._show_watch(False)

    def _screen_port(self):
        """OCR of the marked area (Qt grab); on Windows UI Automation first where it reads."""
        st = self.adapters.screen_text
        if self.adapters.name == "fake":
            return st
        from assistant.platform.uia import UiaScreenText

        ocr = QtOcrScreenText(shows=self.adapters.active_window.shows)
        return PreferText(st, ocr) if isinstance(st, UiaScreenText) else ocr

    def stop(self) -> None:
        self.scheduler.cancel_all()
        job, self.job = self.job, None
        if isinstance(job, PasteJob):
            job.on_done = None
            job._restore_if_ours()  # quitting mid-paste: still give the agent's clipboard back
        self._poll.stop()
        self.watch.stop()
        self._health.stop()
        self.hotkeys.stop()
        self.engine.stop()
        self.tray.close()
        self.popup.close()
        if self.dialog is not None:
            self.dialog.reject()
        if self.stats_view is not None:
            self.stats_view.close()
        if self.import_dialog is not None:
            self.import_dialog.close()
        if self.kb_window is not None:
            self.kb_window.close()
            self.kb_window.close_db()
        self._save()

    def quit(self) -> None:
        QApplication.quit()

    def _save(self) -> None:
        try:
            self.settings.save()
        except OSError:
            log.exception("settings not saved")

    # --- engine -----------------------------------------------------------------------------

    @Slot(object)
    def _on_ready(self, stats: dict) -> None:
        eng = self.engine.worker.engine
        self.window.intent_names = dict(eng.intent_names) if eng else {}
        learning = self.engine.learning
        if learning is not None:
            self.window.set_response_timer(learning.timer, self.conversation())
        self.ready = True
        self._readonly = bool(stats.get("readonly"))
        self._log_state = None
        if self._readonly:
            from assistant.db import way_out

            self.window.dbstate.show_state("readonly", "推荐和搜索照常，但选用记录写不进去，只留在内存里，退出就没了。"
                                           + way_out("readonly", self.db_file))
            self.window.set_status(f"知识库：{stats.get('replies', 0)} 条话术 · 只读（使用记录不保存）")
        else:
            self.window.dbstate.clear_state()
            self.window.set_status(f"知识库：{stats.get('replies', 0)} 条话术 · 离线可用")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.window.set_status(message)

    @Slot(str, str)
    def _on_broken(self, state: str, message: str) -> None:
        """The knowledge base cannot be used as it is: the sidebar says which state it is in and
        offers the way out (恢复备份 / 重新生成 / 重试)."""
        from assistant.db import STATE_NAMES

        self.ready = False
        self.window.dbstate.show_state(state, message)
        self.window.set_status(f"知识库{STATE_NAMES.get(state, '出错')}：见上方提示")

    @Slot(str)
    def _on_recovered(self, note: str) -> None:
        self.window.show_toast(note)

    @Slot(str)
    def recover(self, how: str) -> None:
        """恢复备份 / 重新生成 / 重试 from the state bar; done on the engine's thread."""
        self.window.dbstate.clear_state()
        self.window.set_status({"restore": "正在恢复最近的完好备份…", "rebuild": "正在重新生成知识库…"}.get(
            how, "正在从备份恢复…" if how.startswith("restore:") else "正在重新打开知识库…"))
        self.ready = False
        self.engine.recover(how)

    @Slot(str)
    def restore_backup(self, backup: str) -> None:
        """话术库 → 恢复…: the chosen backup back in place, on the engine's thread (the window has
        closed its own connection); it opens anew on the restored database next time."""
        self.kb_window = None
        self.recover("restore:" + backup)

    @Slot()
    def check_health(self) -> None:
        """Say so when usage events cannot be written (another program locked the database, it
        became read-only, the disk is full), and stop saying it once they can."""
        learning = self.engine.learning
        state = learning.log.error_state if learning is not None else None
        if state == self._log_state or self._readonly or not self.ready:
            return
        self._log_state = state
        if state:
            from assistant.db import way_out

            pending = learning.log.pending
            self.window.dbstate.show_state(state, f"使用记录暂时写不进去，先留在内存里（{pending} 条），能写时自动补上。"
                                           + way_out(state, self.db_file))
        else:
            self.window.dbstate.clear_state()

    @Slot(str)
    def analyse(self, message: str, context: list | None = None, source: str = "typed",
                same_customer: bool = True) -> None:
        if not message.strip():
            self._latest = 0
            self.window.show_suggestions(None)
            return
        self._message = message
        self._context = list(context or [])
        self._source = source
        self._latest = self.engine.suggest(Conversation.of(message, context, platform=self.platform.id,
                                                           profile=self.settings.profile(self.chat_profile),
                                                           same_customer=same_customer))

    @Slot(int, object)
    def _on_suggested(self, request_id: int, s) -> None:
        if request_id == self._latest:  # drop answers to messages that were replaced meanwhile
            # what the search popup fills its replies with: the same values as the suggestions
            self._entities = dict(s.values or (s.analysis.entities if s.analysis else {}))
            self.window.show_suggestions(s)
            if self._source == "screen":  # read off the screen: kept only if the agent acts on it
                self.usage.pending = (self._message, s)
            else:
                self.usage.pending = None
                self._log_suggested(self._message, s)

    # --- learning log (queued in memory: the writer thread does the SQL) -------------------------

    def conversation(self) -> str:
        """The chat the agent is answering, as the response timer and the usage log name it."""
        return self.last_external.title if self.last_external is not None else ""

    def _log_suggested(self, message: str, s) -> None:
        learning = self.engine.learning
        if learning is None or s.analysis is None:
            return
        from_chat = self._chat_text is not None and self._chat_text == (message, True)
        keep = from_chat or not learning.privacy.get("chat_window_only", True)
        if self.usage.suggested(learning.log, message, s, platform=self.platform.id,
                                conversation=self.conversation(), keep_text=keep):
            self._refresh_timer()

    def _refresh_timer(self) -> None:
        if self.window.timer_label is not None:
            self.window.timer_label.refresh()

    @Slot(dict)
    def _log_pasted(self, meta: dict) -> None:
        learning = self.engine.learning
        if learning is None:
            return
        pending = self.usage.take_pending()
        if pending is not None:  # the agent used a reply to a message read off the screen
            self._log_suggested(*pending)
        edited = self.usage.pasted(learning.log, meta, self.popup.chosen_hit)
        if edited is not None:
            self._check_variant(edited)
        self._refresh_timer()

    def _check_variant(self, reply_id: int) -> None:
        """After an edit: has the agent changed this reply the same way often enough to keep the
        edited text as a reply of its own? Off the GUI thread (it waits for the log writer)."""
        learning, db_file = self.engine.learning, self.db_file

        def work():
            from assistant import usage
            from assistant.db import connect

            learning.log.flush(3)
            conn = connect(db_file)
            try:
                return usage.propose_variant(conn, reply_id)
            finally:
                conn.close()

        def done(proposal):
            if proposal is not None:
                self.variant_found.emit(proposal)
        self.background.run(work, done, name="variant-check")

    @Slot(object)
    def _save_variant(self, proposal) -> None:
        from assistant import usage
        from assistant.db import connect

        try:
            conn = connect(self.db_file)
            try:
                usage.save_variant(conn, proposal)
            finally:
                conn.close()
        except Exception as exc:
            log.exception("saving a variant failed")
            self.window.show_toast(f"没存上：{exc}", error=True)
            return
        self.engine.reload()
        self.window.show_toast(f"已存成新话术「{(proposal.title + '（改）')[:20]}」")

    @Slot(object)
    def _decline_variant(self, proposal) -> None:
        from assistant import usage

        learning = self.engine.learning
        if learning is not None:
            usage.decline_variant(learning.log, proposal)

    @Slot(str)
    def search(self, query: str) -> None:
        if not query:
            self._latest_search = 0
            self.popup.set_results([])
            return
        self._latest_search = self.engine.search(query, self._entities)

    @Slot(int, list)
    def _on_searched(self, request_id: int, hits: list) -> None:
        if request_id == self._latest_search:
            self.popup.set_results(hits)

    # --- the active window --------------------------------------------------------------------

    def _own_handles(self) -> set[int]:
        return {int(w.winId()) for w in (self.window, self.popup) if w.windowHandle() is not None}

    def is_own(self, win: WindowInfo | None) -> bool:
        return win is not None and (win.pid == os.getpid() or win.handle in self._own_handles())

    @Slot()
    def poll_active(self) -> WindowInfo | None:
        """What the window in front means for the sidebar: the chat to answer, its platform and
        profile, docking beside it, the screen watch looking at it."""
        front = self.front.read(self.last_external)
        if front is None:
            return None
        win, switched, moved = front
        if not self.settings.paused:
            self.watch.sample(win, lookup=True)  # screen watch looks at the same window (when on)
        self.last_external = win
        self.chat_profile = chat_profiles.pick(win, self.profiles) or self.chat_profile
        p = classify(win)
        if moved and self.window.timer_label is not None:
            self.window.timer_label.set_conversation(self.conversation())
        if p != self.platform or moved:
            self.platform = p
            self.window.set_platform(p.label, f"{win.title} · {win.process or '未知程序'}")
            if self.settings.dock == "beside" and win.rect and p.id != "unknown":
                self.window.dock("beside", win.rect)
        return win

    def watch_hotkeys(self, now: float | None = None) -> bool:
        return self.front.watch_hotkeys(now)

    def _restart_hotkeys(self) -> None:
        self.hotkeys.stop()
        self._bind_hotkeys(start=True)

    def _bind_hotkeys(self, start: bool) -> None:
        """Register the configured hotkeys (and start listening); say which ones are unavailable."""
        self.hotkeys.bind(self.settings.hotkeys)
        if start:
            self.hotkeys.start()
        if self.hotkeys.errors:  # registration problems plus, once started, the OS's refusals
            self.window.show_toast("快捷键不可用：" + "；".join(self.hotkeys.errors.values()), error=True)

    # --- clipboard watch ----------------------------------------------------------------------

    def _on_clipboard(self) -> None:
        front = self.last_external.handle if self.last_external is not None else 0
        self._clip_at = (time.monotonic(), front)
        if self.settings.paused or not self.settings.watch_clipboard or self.job is not None:
            return  # our own paste/grab changes the clipboard: never analyse those
        if self.clipboard.is_own_change():
            return
        if self.clipboard.concealed():
            self.window.set_status("复制的是密码管理器标记的隐私内容，已忽略")
            return
        t = time.monotonic()
        text = self.clipboard.text()
        if text is None:
            self.window.set_status("剪贴板里不是文字（图片或文件），已忽略")
            return
        if len(text) > self.settings.max_clip_chars:
            # a whole conversation copied (Ctrl+A in the chat history): its last messages count
            tail = copyfilter.chat_tail(text, self.settings.max_clip_chars)
            if tail is None:
                self.window.set_status(f"复制的内容太长（{len(text)} 字），不像顾客消息，已忽略")
                return
            text = tail
        if not text.strip():
            return
        self.timing["clip_at"] = t
        self.poll_active()  # the window the agent copied from is the chat to answer
        if self._clip_at is not None and self.last_external is not None:
            self._clip_at = (self._clip_at[0], self.last_external.handle)
        self.take_message(text, "copy")

    def take_message(self, text: str, source: str) -> bool:
        """A copied or grabbed text: without the chat client's headers, and only when it looks
        like a customer message (else the suggestions on screen stay). True when analysed."""
        # several messages copied with their nick/time headers: answer the customer's newest,
        # read with the turns above it
        block = copyfilter.copied_turns(text, pasted=self._pasted,
                                        own_names=[self.settings.shop_name, self.settings.agent_name])
        text = block[0] if block else copyfilter.clean_copy(text)
        own = self.window.reply_texts()
        why = copyfilter.not_a_message(text, own=own, pasted=self._pasted)
        if why:
            self.window.set_status(why)
            return False
        win = self.poll_active()  # the window the agent copied from is the chat to answer
        self._chat_text = (text, is_chat_window(win))
        self.window.set_message(text)
        context = list(block[1]) if block else []
        if self._chat_text[1] and self.settings.remember_context:
            # a short follow-up ("都三天了") is read with what this chat's customer said just before
            chat, now = self.conversation(), time.monotonic()
            if block:  # remembered for a short follow-up copied alone next
                for turn in context:
                    self.recent.add(chat, turn["text"], now, role=turn["role"])
            else:
                context = self.recent.context(chat, text, now)
            self.recent.add(chat, text, now)
        # a copied block is one customer's conversation; turns kept per window title may be another's
        self.analyse(text, context=context, source=source, same_customer=block is not None)
        if context and block:
            self.window.set_status(f"结合复制的前 {len(context)} 条消息理解")
        elif context:
            self.window.set_status(f"结合本窗口刚才的 {len(context)} 条消息理解")
        return True

    @Slot(str, list, str)
    def _on_screen_message(self, text: str, turns: list, profile_id: str) -> None:
        """A new customer bubble read off the screen, with the turns above it."""
        if self.settings.paused or self.job is not None:
            return
        self.timing["screen_at"] = self.watch.timing.get("changed_at", time.monotonic())
        self.chat_profile = next((p for p in self.profiles if p.id == profile_id), self.chat_profile)
        if self.watch.window is not None:
            self.last_external = self.watch.window
        self._chat_text = (text, True)  # read off the chat area the agent marked: a chat window's text
        self.window.set_message(text)
        self.analyse(text, context=turns, source="screen")

    # --- screen watch -------------------------------------------------------------------------

    def set_watch(self, on: bool) -> None:
        ok, why = self.watch.set_enabled(on)
        if on and not ok:
            self.window.show_toast(why, error=True)
        self.settings.watch_screen = bool(on and ok)
        self._show_watch(self.settings.watch_screen)
        self._save()
        if on and ok and self.chat_profile is not None and self.chat_profile.area is None \
                and self.last_external is not None and self.adapters.name != "fake":
            self.mark_area()  # first time for this client: mark its message area now

    def _show_watch(self, on: bool) -> None:
        self.window.set_watching(on, self.watch.state)
        self.tray.set_watching(on)

    @Slot(str)
    def _on_watch_state(self, state: str) -> None:
        self.window.set_watching(self.watch.enabled, state)
        if "框选" in state or "失败" in state or "未安装" in state:
            self.window.set_status(state)

    def mark_area(self):
        """Drag a rectangle over the chat's message area; kept for the profile of that window."""
        from PySide6.QtCore import QRect

        from ui.area_picker import AreaPicker

        target = self.last_external
        p = chat_profiles.pick(target, self.profiles) if target is not None else None
        if target is None or target.rect is None:
            self.window.show_toast("先点一下聊天窗口，再框选聊天区域", error=True)
            return None
        if p is None:
            self.window.show_toast(f"「{target.title[:20]}」不是已知的聊天软件：在设置里给它的平台加一个标题关键词",
                                   error=True)
            return None
        self.picker = AreaPicker(f"框选「{p.name}」的消息区域：按住鼠标拖动，Esc 取消", QRect(*target.rect))
        self.picker.picked.connect(lambda r, t=target, p=p: self._area_picked(t, p, r))
        self.picker.cancelled.connect(lambda t=target: self._picker_done(t))
        self.picker.start()
        return self.picker

    def _area_picked(self, target: WindowInfo, p, r) -> None:
        wx, wy, ww, wh = target.rect
        x, y = max(0, r.x() - wx), max(0, r.y() - wy)
        area = [x, y, min(r.width(), ww - x), min(r.height(), wh - y)]
        self.settings.profiles.setdefault(p.id, {})["area"] = area
        self.apply_profiles()
        self.window.show_toast(f"已记住「{p.name}」的聊天区域")
        self._picker_done(target)

    def _picker_done(self, target: WindowInfo) -> None:
        self.picker = None
        try:
            self.adapters.active_window.activate(target)
        except Exception:
            log.exception("re-activate after marking")

    def apply_profiles(self) -> None:
        self.profiles = self.settings.chat_profiles()
        self.watch.set_profiles(self.profiles)
        if self.chat_profile is not None:
            self.chat_profile = next((p for p in self.profiles if p.id == self.chat_profile.id), None)
        self._save()

    # --- picking and pasting ------------------------------------------------------------------

    def request_paste(self, text: str, target: WindowInfo | None = None, meta: dict | None = None) -> None:
        """Check for 违禁词 first; paste straight away only when the reply is clean."""
        check = self.engine.check(text)
        prof = chat_profiles.pick(target or self.last_external, self.profiles) if (target or self.last_external) else None
        check = chat_profiles.check(text, prof, check)
        self._pending_target = target
        self._pending_meta = meta
        if check is None:
            self.window.show_toast("知识库还在打开，稍等一下再粘贴", error=True)
            return
        if not check["ok"]:
            self.window.ask_banned(text, check)
            if not self.window.isVisible():
                self.window.show()
            return
        self.paste(text, target, meta)

    def paste(self, text: str, target: WindowInfo | None = None, meta: dict | None = None) -> PasteJob | None:
        if self.job is not None:
            self.window.show_toast("上一次粘贴还没完成", error=True)
            return None
        target = target or self.last_external
        p = classify(target) if target else UNKNOWN
        name = p.name if p.id not in ("unknown",) else "聊天窗口"
        self.adapters.hotkeys.pause(True)
        timings = profile_for(p.id, self.settings.send_keys)
        chat = chat_profiles.pick(target, self.profiles) if target else None
        if chat is not None:
            timings = replace(timings, send_key=chat.send_key)
        self.job = PasteJob(text, target, clipboard=self.clipboard, injector=self.adapters.injector,
                            windows=self.adapters.active_window, scheduler=self.scheduler,
                            profile=timings,
                            auto_send=self.settings.auto_send, platform_name=name, on_done=self._job_done)
        self.job.meta = {**(meta or {}), "text": text, "platform": p.id, "auto_send": self.settings.auto_send}
        return self.job.start()

    def _job_done(self, result: JobResult) -> None:
        job = self.job
        self.job = None
        self.last_result = result
        self.adapters.hotkeys.pause(False)
        if isinstance(job, GrabJob):
            if result.ok and result.text:
                self.last_external = job.target
                self._chat_text = (result.text, is_chat_window(job.target))
                self.timing["clip_at"] = time.monotonic()
                self.take_message(result.text, "copy")
            else:
                self.window.show_toast(result.message, error=True)
            return
        self.window.show_toast(result.message, error=not result.ok)
        if not result.ok:
            self.window.set_status(result.message)
        else:
            self._pasted = ([job.text] + self._pasted)[:20]
            if self.settings.remember_context and is_chat_window(self.last_external):
                self.recent.add(self.conversation(), job.text, time.monotonic(), role="agent")
            self.reply_pasted.emit(dict(getattr(job, "meta", {}) or {}))

    @Slot()
    def grab(self) -> None:
        if self.settings.paused or self.job is not None:
            return
        win = self.adapters.active_window.current()
        target = None if self.is_own(win) else win
        self.adapters.hotkeys.pause(True)
        self.job = GrabJob(target, clipboard=self.clipboard, injector=self.adapters.injector,
                           windows=self.adapters.active_window, scheduler=self.scheduler,
                           on_done=self._job_done, fallback=lambda t=target: self._selection_already_copied(t))
        self.job.start()

    SELECTION_FRESH_S = 120.0

    def _selection_already_copied(self, target: WindowInfo | None) -> str | None:
        """Alt+W when Ctrl+C changed nothing: the chat client had already put the selection on
        the clipboard (auto-copy). X11 keeps the selection itself in PRIMARY; elsewhere use the
        clipboard if it last changed while this chat window was in front, and lately."""
        primary = getattr(self.clipboard, "selection_text", None)
        text = primary() if primary is not None else None
        if text and text.strip():
            return text
        if target is None or self._clip_at is None:
            return None
        at, front = self._clip_at
        if front == target.handle and time.monotonic() - at < self.SELECTION_FRESH_S:
            return self.clipboard.text()
        return None

    # --- search popup -------------------------------------------------------------------------

    @Slot(str)
    def _on_hotkey(self, name: str) -> None:
        if name == "search":
            self.open_search()
        elif name == "grab":
            self.grab()

    def open_search(self) -> None:
        self.timing["hotkey_at"] = time.monotonic()
        win = self.adapters.active_window.current()  # before the popup takes the focus
        self.popup_target = win if win is not None and not self.is_own(win) else self.last_external
        if self.popup_target is not None:
            self.last_external = self.popup_target
        self.popup.open()
        QTimer.singleShot(0, self, self._ensure_popup_focus)
        if self.popup.edit.text().strip():
            self.search(self.popup.edit.text().strip())

    def _ensure_popup_focus(self) -> None:
        self._force_activate(self.popup)

    def _force_activate(self, widget) -> None:
        """X11 WMs may refuse an application's activation request; ask as a pager would."""
        if widget.isVisible() and not widget.isActiveWindow():
            try:
                self.adapters.active_window.activate(WindowInfo(int(widget.winId()), pid=os.getpid()))
            except Exception:
                log.exception("activation of our own window")

    def _popup_closed(self) -> None:
        if self.popup_target is not None:  # give the focus back to the chat
            try:
                self.adapters.active_window.activate(self.popup_target)
            except Exception:
                log.exception("re-activate after popup")

    # --- window, tray, settings ---------------------------------------------------------------

    def toggle_window(self) -> None:
        if self.window.isVisible():
            self.window.hide()
        else:
            self.bring_to_front()

    def bring_to_front(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        QTimer.singleShot(0, self, lambda: self._force_activate(self.window))

    def set_paused(self, paused: bool) -> None:
        self.settings.paused = paused
        self.adapters.hotkeys.pause(paused)
        # paused: give the keys back to the other programs (an X11 grab or RegisterHotKey would
        # otherwise keep swallowing Alt+Q with nothing happening)
        if paused:
            self.hotkeys.stop()
        else:
            self.hotkeys.start()
        self.tray.set_paused(paused)
        self.window.set_status("已暂停：不看剪贴板，不响应快捷键" if paused else "已恢复监听")
        self._save()

    def _dock_clicked(self, side: str) -> None:
        self.settings.dock = side
        self.window.dock(side)
        self._save()

    def _compact_clicked(self, on: bool) -> None:
        self.settings.compact = on
        self._save()

    def _geometry_changed(self) -> None:
        g = self.window.geometry()
        self.settings.geometry = [g.x(), g.y(), g.width(), g.height()]
        if self.window.user_moved:
            self.window.user_moved = False
            self.settings.dock = "free"
            self.window.dock_side = "free"
        self._save()

    def _apply_look(self, first: bool = False) -> None:
        s, w = self.settings, self.window
        w.setWindowOpacity(s.opacity)
        w.set_compact(s.compact)
        w.fold_unsure = s.fold_unsure
        app = QApplication.instance()
        if app is not None and not first:
            apply_cjk_font(app, s.font_size)
        if s.geometry:
            x, y, gw, gh = s.geometry
            screens = [sc.availableGeometry() for sc in QGuiApplication.screens()]
            if any(r.intersects(QRect(x, y, gw, gh)) for r in screens):
                w.setGeometry(x, y, gw, gh)
            else:
                w.resize(gw, gh)
        if s.dock in ("left", "right"):
            w.dock(s.dock)
        elif s.dock == "beside" and self.last_external and self.last_external.rect:
            w.dock("beside", self.last_external.rect)
        else:
            w.dock_side = s.dock

    def open_stats(self):
        """The 统计 window; a reply created there reloads the engine on its thread."""
        from ui.stats_view import StatsView

        if self.stats_view is None:
            self.stats_view = StatsView(self.db_file)
            self.stats_view.reply_created.connect(lambda _rid: self.engine.reload())
        v = self.stats_view
        v.learning = self.engine.learning  # ready by now, or None while the engine opens
        v.show()
        v.raise_()
        v.activateWindow()
        v.load()
        return v

    def open_import(self):
        """导入话术表; whatever it adds or removes reaches the engine at once."""
        from ui.import_dialog import ImportDialog

        if self.import_dialog is None:
            self.import_dialog = ImportDialog(self.db_file)
            self.import_dialog.imported.connect(self.engine.reload)
        d = self.import_dialog
        d.show()
        d.raise_()
        d.activateWindow()
        return d

    def open_kb(self):
        """话术库: every change there reaches the sidebar's engine at once."""
        from ui.kb_window import KBWindow

        if self.kb_window is None:
            self.kb_window = KBWindow(self.db_file, profile=self.settings.profile())
            self.kb_window.changed.connect(self.engine.reload)
            self.kb_window.restore_requested.connect(self.restore_backup)
        w = self.kb_window
        w.show()
        w.raise_()
        w.activateWindow()
        return w

    def open_settings(self) -> SettingsDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        self.dialog = SettingsDialog(self.settings)
        self.dialog.setAttribute(Qt.WA_DeleteOnClose, True)
        self.dialog.accepted.connect(self._settings_accepted)
        self.dialog.finished.connect(self._settings_closed)
        self.dialog.open()
        return self.dialog

    def _settings_closed(self, _code: int) -> None:
        d, self.dialog = self.dialog, None
        if d is not None:
            d.deleteLater()

    def _settings_accepted(self) -> None:
        d = self.sender() if isinstance(self.sender(), SettingsDialog) else self.dialog
        self.apply_settings(d.result_settings)
        choice = getattr(d, "portable_choice", None)
        if choice is not None and choice != paths.is_portable():
            try:
                set_portable(choice)
                self.window.show_toast("便携模式设置将在重启后生效")
            except OSError as exc:
                self.window.show_toast(f"无法切换便携模式：{exc}", error=True)

    def apply_settings(self, s: Settings) -> None:
        self.settings = s
        if not s.remember_context:
            self.recent.forget()  # switched off: keep no chat text that would never be used
        self._apply_look()
        self._bind_hotkeys(start=False)  # a running listener restarts itself with the new combos
        self.apply_profiles()
        self.adapters.hotkeys.pause(s.paused)
        self.tray.set_paused(s.paused)
        self._save()

    # --- for the end-to-end tests (KEFU_TEST_IPC=1) -------------------------------------------

    def debug_state(self) -> dict:
        w = self.window
        rect = None
        if w.replies.count() and not w.folded:
            r = w.replies.visualItemRect(w.replies.item(0))
            c = w.replies.viewport().mapToGlobal(r.center())
            rect = [c.x(), c.y()]
        return {
            "ready": self.ready,
            "status": w.status.text(),
            "toast": w.toast.text(),
            "message": w.input.toPlainText(),
            "replies": [] if w.folded else w.reply_texts(),
            "folded": w.folded,
            "chips": w.chips.texts(),
            "platform": self.platform.id,
            "platform_label": w.title.platform.text(),
            "popup_visible": self.popup.isVisible(),
            "popup_results": self.popup.results.count(),
            "popup_texts": [self.popup.results.item(i).data(Qt.UserRole + 1) for i in range(self.popup.results.count())],
            "popup_wid": int(self.popup.winId()),
            "popup_query": self.popup.edit.text(),
            "sidebar_visible": w.isVisible(),
            "sidebar_wid": int(w.winId()),
            "first_reply_at": rect,
            "busy": self.job is not None,
            "last_result": None if self.last_result is None else
            {"ok": self.last_result.ok, "message": self.last_result.message, "steps": self.last_result.steps},
            "timing": dict(self.timing),
            "context": list(getattr(self, "_context", [])),
            "watch_btn_at": [w.title.watch_btn.mapToGlobal(w.title.watch_btn.rect().center()).x(),
                             w.title.watch_btn.mapToGlobal(w.title.watch_btn.rect().center()).y()],
            "watch": {"on": self.watch.enabled, "state": self.watch.state, "busy": self.watch.busy,
                      "profile": self.watch.profile.id if self.watch.profile else None,
                      "area": list(self.watch.profile.area) if self.watch.profile and self.watch.profile.area else None,
                      "bubbles": [b.as_turn() for b in self.watch.last_bubbles],
                      "stats": dict(self.watch.stats), "timing": dict(self.watch.timing),
                      "indicator": w.title.watch_btn.text(), "picker": self.picker is not None},
            "chat_profile": self.chat_profile.id if self.chat_profile else None,
            "menu_visible": self.tray.menu.isVisible(),
            "last_external_wid": self.last_external.handle if self.last_external else None,
            "title_at": [w.title.platform.mapToGlobal(w.title.platform.rect().center()).x(),
                         w.title.platform.mapToGlobal(w.title.platform.rect().center()).y()],
            "source": self._source,
        }


def setup_logging(log_file: str) -> None:
    """Everything from INFO up goes to kefu.log. ``force``: started as `kefu`, the CLI has set up
    logging to the terminal already, and basicConfig would otherwise do nothing."""
    logging.basicConfig(filename=log_file, level=logging.INFO, encoding="utf-8", force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def install_error_boundary(app: App) -> None:
    """The app's error boundary: an exception nobody caught (in a slot, a timer, a thread) is
    written to kefu.log with its traceback and shown as one sentence, never a traceback on screen
    or a dead window. Threads only log: widgets belong to the GUI thread."""
    from assistant import errors

    def on_error(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        log.error("uncaught exception", exc_info=(exc_type, exc, tb))
        message, _code, state = errors.describe(exc, app.db_file)
        try:
            if state != "error":
                app.window.dbstate.show_state(state, message)
            else:
                app.window.show_toast(message, error=True)
        except Exception:
            log.exception("could not show the error")

    def on_thread_error(args):
        log.error("uncaught exception in thread %s", getattr(args.thread, "name", "?"),
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = on_error
    threading.excepthook = on_thread_error


def _startup_box(argv, message: str) -> None:
    """The same sentence in a window, for an agent who started the app by a double click."""
    try:
        app = QApplication.instance() or QApplication(argv or sys.argv[:1])
        from PySide6.QtWidgets import QMessageBox

        if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            QMessageBox.critical(None, "客服助手无法启动", message)
        del app
    except Exception:
        pass


def main(argv: list[str] | None = None) -> int:
    problem = _display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from assistant import errors

    try:
        log_file = str(paths.log_path())
    except Exception as exc:  # KEFU_HOME pointing at a file, a data dir that cannot be created
        message, code, _ = errors.describe(exc)
        print(f"客服助手无法启动：{message}", file=sys.stderr)
        _startup_box(argv, message)
        return code
    setup_logging(log_file)
    adapters = osplatform.select()  # before QApplication: pynput on macOS (desktop-pitfalls §1.11)
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("客服助手")
    app.setQuitOnLastWindowClosed(False)  # hiding the sidebar to the tray is not quitting
    app.setWindowIcon(app_icon())
    from ui.single import SingleInstance

    main_app = None
    single = SingleInstance(state=lambda: main_app.debug_state() if main_app else {"ready": False})
    if not single.acquire():
        print("客服助手已经在运行：已把它调到前面。")
        return 0
    settings, problem = Settings.load()
    apply_cjk_font(app, settings.font_size)
    main_app = App(adapters=adapters, settings=settings)
    main_app._startup_problem = problem
    install_error_boundary(main_app)
    single.show_requested.connect(main_app.bring_to_front)
    single.quit_requested.connect(main_app.quit)
    main_app.start()
    code = app.exec()
    main_app.stop()
    single.release()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
