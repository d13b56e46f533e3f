"""Paste-to-chat and grab-selection as small state machines over the ports.

Nothing here sleeps: every wait is a ``scheduler.call_later`` so the GUI event loop keeps running
(the X11 clipboard is served by our event loop while the chat window pastes; desktop-pitfalls §2.2).
The UI drives them with QTimer; tests drive them with ``ManualScheduler``.

Paste (desktop-pitfalls §7):
 1. snapshot the agent's clipboard;
 2. set our text, verify it reads back (bounded retries) — else abort, nothing is pasted;
 3. bring the target window to the front and verify — else abort;
 4. wait until the agent has released Ctrl/Alt/Shift (the hotkey's modifiers) — else abort;
 5. re-check target and clipboard, then Ctrl+V; optionally the send key;
 6. later, put the snapshot back only if the clipboard still holds our text.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from assistant.platform.chat_clients import PasteProfile
from assistant.platform.ports import ActiveWindow, Clipboard, ClipSnapshot, TextInjector, WindowInfo

log = logging.getLogger(__name__)

POLL_MS = 15
SET_RETRIES_MS = (20, 60, 150)  # bounded backoff when the clipboard is locked by another program
MOD_NAMES = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "cmd": "Win/⌘", "key": "快捷键"}


# Formats that ask clipboard history and managers to skip a reply we only borrow the clipboard for
# (desktop-pitfalls §2.6): Win+V history, cloud clipboard and Ditto/360-style monitors on Windows,
# Klipper/CopyQ on Linux, nspasteboard.org-aware managers (Maccy, Paste) on macOS. The agent's own
# clipboard is restored without them.
_WIN_MIME = 'application/x-qt-windows-mime;value="{}"'
TRANSIENT_MARKS: dict[str, dict[str, bytes]] = {
    "windows": {
        _WIN_MIME.format("ExcludeClipboardContentFromMonitorProcessing"): b"\x00",
        _WIN_MIME.format("CanIncludeInClipboardHistory"): (0).to_bytes(4, "little"),
        _WIN_MIME.format("CanUploadToCloudClipboard"): (0).to_bytes(4, "little"),
    },
    "macos": {"application/x-nspasteboard-transient-type": b"", "application/x-nspasteboard-concealed-type": b""},
    "x11": {"x-kde-passwordManagerHint": b"secret"},
}


# Formats password managers put beside a secret (KeePassXC, 1Password, Bitwarden …): a copied
# password is never analysed, shown or logged.
CONCEALED_FORMATS = frozenset({
    "x-kde-passwordManagerHint",
    "application/x-nspasteboard-concealed-type",
    _WIN_MIME.format("ExcludeClipboardContentFromMonitorProcessing"),
    _WIN_MIME.format("Clipboard Viewer Ignore"),
})


def transient_marks(qt_platform: str) -> dict[str, bytes]:
    """The marks for a Qt platform name (windows, cocoa, xcb, wayland, offscreen …)."""
    if qt_platform == "windows":
        return TRANSIENT_MARKS["windows"]
    if qt_platform == "cocoa":
        return TRANSIENT_MARKS["macos"]
    return TRANSIENT_MARKS["x11"]


class Scheduler(Protocol):
    def call_later(self, ms: int, fn: Callable[[], None]) -> None: ...

    def now_ms(self) -> float: ...


class ManualScheduler:
    """For tests: time only moves when ``advance`` is called."""

    def __init__(self):
        self._t = 0.0
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._n = 0

    def now_ms(self) -> float:
        return self._t

    def call_later(self, ms: int, fn: Callable[[], None]) -> None:
        self._n += 1
        self._queue.append((self._t + max(0, ms), self._n, fn))

    def advance(self, ms: float) -> None:
        end = self._t + ms
        while True:
            due = sorted(q for q in self._queue if q[0] <= end)
            if not due:
                break
            item = due[0]
            self._queue.remove(item)
            self._t = max(self._t, item[0])
            item[2]()
        self._t = end

    def run_all(self, limit_ms: float = 60_000) -> None:
        self.advance(limit_ms)

    @property
    def pending(self) -> int:
        return len(self._queue)


def _same_text(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")


@dataclass
class JobResult:
    ok: bool
    message: str  # Chinese, for the status line / toast
    steps: list[tuple[str, float]] = field(default_factory=list)  # (step, ms since start) for the log
    text: str | None = None  # GrabJob: the grabbed text


class _Job:
    def __init__(self, *, clipboard: Clipboard, injector: TextInjector, windows: ActiveWindow,
                 scheduler: Scheduler, profile: PasteProfile | None = None,
                 on_done: Callable[[JobResult], None] | None = None):
        self.clipboard = clipboard
        self.injector = injector
        self.windows = windows
        self.scheduler = scheduler
        self.profile = profile or PasteProfile()
        self.on_done = on_done
        self.result: JobResult | None = None
        self._t0 = scheduler.now_ms()
        self._steps: list[tuple[str, float]] = []

    @property
    def done(self) -> bool:
        return self.result is not None

    def _step(self, name: str) -> None:
        self._steps.append((name, round(self.scheduler.now_ms() - self._t0, 1)))

    def _finish(self, ok: bool, message: str, text: str | None = None) -> None:
        if self.result is not None:
            return
        self._step("ok" if ok else "abort")
        self.result = JobResult(ok, message, list(self._steps), text)
        log.info("%s %s: %s steps=%s", type(self).__name__, "ok" if ok else "aborted", message, self._steps)
        if self.on_done:
            self.on_done(self.result)

    def _poll(self, cond: Callable[[], bool], timeout_ms: int, then: Callable[[], None],
              fail: Callable[[], None]) -> None:
        deadline = self.scheduler.now_ms() + timeout_ms

        def tick():
            try:
                ok = cond()
            except Exception as exc:  # an OS call failing mid-way: abort, never guess
                log.exception("poll failed")
                self._finish(False, f"系统调用失败：{exc}")
                return
            if ok:
                then()
            elif self.scheduler.now_ms() >= deadline:
                fail()
            else:
                self.scheduler.call_later(POLL_MS, tick)

        tick()

    def _wait_modifiers(self, then: Callable[[], None]) -> None:
        held: set[str] = set()

        def up() -> bool:
            held.clear()
            held.update(self.injector.modifiers_down())
            return not held

        def fail():
            keys = "、".join(MOD_NAMES.get(m, m) for m in sorted(held)) or "按键"
            self._finish(False, f"{keys} 一直按着：请松开后重试")

        self._poll(up, self.profile.modifier_timeout_ms, then, fail)


class PasteJob(_Job):
    def __init__(self, text: str, target: WindowInfo | None, *, auto_send: bool = False,
                 platform_name: str = "聊天窗口", **kw):
        super().__init__(**kw)
        self.text = text
        self.target = target
        self.auto_send = auto_send
        self.platform_name = platform_name
        self.snapshot: ClipSnapshot | None = None
        self.our_seq: int | None = None
        self._set_attempt = 0

    def start(self) -> "PasteJob":
        if not self.text:
            self._finish(False, "回复是空的，没有粘贴")
            return self
        if self.target is None:
            self._finish(False, "不知道要粘贴到哪个窗口：请先点一下聊天窗口")
            return self
        check = getattr(self.injector, "check_target", None)  # Windows: elevated target (UIPI)
        reason = check(self.target) if check else None
        if reason:
            self._finish(False, reason)
            return self
        try:
            self.snapshot = self.clipboard.snapshot()
        except Exception:
            log.exception("clipboard snapshot failed")
            self.snapshot = ClipSnapshot()
        self._step("snapshot")
        self._set_clipboard()
        return self

    def _set_clipboard(self) -> None:
        try:
            self.clipboard.set_text(self.text)
            ok = _same_text(self.clipboard.text(), self.text)
        except Exception:
            log.exception("clipboard set failed")
            ok = False
        if ok:
            self.our_seq = self.clipboard.sequence()
            self._step("clipboard set")
            self._bring_to_front()
            return
        if self._set_attempt < len(SET_RETRIES_MS):
            delay = SET_RETRIES_MS[self._set_attempt]
            self._set_attempt += 1
            self.scheduler.call_later(delay, self._set_clipboard)
            return
        self._restore_if_ours()
        self._finish(False, "剪贴板被其他程序占用，写入失败：没有粘贴任何内容，请重试")

    def _is_front(self) -> bool:
        cur = self.windows.current()
        return self.target.same_window(cur)

    def _bring_to_front(self) -> None:
        if self._is_front():
            self._step("target in front")
            self._wait_modifiers(self._pre_paste)
            return
        try:
            self.windows.activate(self.target)
        except Exception:
            log.exception("activate failed")

        def fail():
            self._restore_if_ours()
            self._finish(False, f"{self.platform_name}没能切到前台：已取消粘贴，以免贴错窗口")

        def then():
            self._step("target activated")
            self._wait_modifiers(self._pre_paste)

        self._poll(self._is_front, self.profile.activate_timeout_ms, then, fail)

    def _pre_paste(self) -> None:
        self._step("modifiers up")
        self.scheduler.call_later(self.profile.pre_paste_ms, self._paste)

    def _clipboard_ours(self) -> bool:
        try:
            holds = getattr(self.clipboard, "holds", None)  # adapters that know ownership (Qt)
            if holds is not None:
                return holds(self.text, self.our_seq)
            return self.clipboard.sequence() == self.our_seq and _same_text(self.clipboard.text(), self.text)
        except Exception:
            return False

    def _paste(self) -> None:
        if not self._is_front():
            self._restore_if_ours()
            self._finish(False, f"{self.platform_name}已不在前台：已取消粘贴")
            return
        if not self._clipboard_ours():
            self._finish(False, "剪贴板刚被其他程序改动：已取消粘贴，请重试")
            return
        try:
            self.injector.paste()
        except Exception as exc:
            log.exception("paste keystroke failed")
            self._restore_if_ours()
            self._finish(False, f"发送粘贴键失败：{exc}")
            return
        self._step("ctrl+v")
        if self.auto_send:
            self.scheduler.call_later(self.profile.send_delay_ms, self._send)
            self.scheduler.call_later(max(self.profile.restore_ms, self.profile.send_delay_ms + 200),
                                      self._restore_and_finish)
        else:
            self.scheduler.call_later(self.profile.restore_ms, self._restore_and_finish)

    def _send(self) -> None:
        if not self._is_front():
            self._step("send skipped: target not in front")
            return
        try:
            self.injector.press(self.profile.send_key)
            self._step(self.profile.send_key)
        except Exception:
            log.exception("send key failed")

    def _restore_if_ours(self) -> bool:
        """Put the agent's clipboard back, but only if nobody copied something meanwhile."""
        if self.snapshot is None or self.our_seq is None and not _same_text(self.clipboard.text(), self.text):
            return False
        if self.our_seq is not None and not self._clipboard_ours():
            self._step("restore skipped: clipboard changed by the agent")
            return False
        try:
            ok = self.clipboard.restore(self.snapshot)
        except Exception:
            log.exception("clipboard restore failed")
            ok = False
        self._step("restored" if ok else "restore failed")
        return ok

    def _restore_and_finish(self) -> None:
        self._restore_if_ours()
        sent = "并发送" if self.auto_send else ""
        self._finish(True, f"已粘贴{sent}到{self.platform_name}")


class GrabJob(_Job):
    """Grab hotkey: copy the selection in the chat window, read it, put the clipboard back."""

    COPY_TIMEOUT_MS = 600

    def __init__(self, target: WindowInfo | None, fallback: Callable[[], str | None] | None = None, **kw):
        super().__init__(**kw)
        self.target = target
        self.snapshot: ClipSnapshot | None = None
        self._seq0 = 0
        # when Ctrl+C changes nothing: the selection the chat client had already copied itself
        # (auto-copy on select) or X11's PRIMARY selection; None when there is none
        self.fallback = fallback

    def start(self) -> "GrabJob":
        if self.target is None:
            self._finish(False, "没有找到聊天窗口：请先在聊天窗口里选中顾客的消息")
            return self
        self._wait_modifiers(self._copy)
        return self

    def _copy(self) -> None:
        self._step("modifiers up")
        try:
            self.snapshot = self.clipboard.snapshot()
            self._seq0 = self.clipboard.sequence()
            self.injector.copy()
        except Exception as exc:
            log.exception("grab copy failed")
            self._finish(False, f"复制选中文字失败：{exc}")
            return
        self._step("ctrl+c")

        def changed() -> bool:
            return self.clipboard.sequence() != self._seq0

        self._poll(changed, self.COPY_TIMEOUT_MS, self._read, self._unchanged)

    def _unchanged(self) -> None:
        """Ctrl+C left the clipboard as it was: a client that copies on select already put the
        selection there (same text, same owner: no change to see)."""
        text = None
        if self.fallback is not None:
            try:
                text = self.fallback()
            except Exception:
                log.exception("grab fallback failed")
        if text and text.strip():
            self._step("selection already copied")
            self._finish(True, "已取到选中的消息", text=text)
            return
        self._finish(False, "没有取到文字：请先在聊天窗口里选中顾客的消息")

    def _read(self) -> None:
        self._step("clipboard changed")
        grabbed = self.clipboard.text()
        try:
            if self.snapshot is not None and not self.snapshot.empty:
                self.clipboard.restore(self.snapshot)
                self._step("restored")
        except Exception:
            log.exception("restore after grab failed")
        if not grabbed or not grabbed.strip():
            self._finish(False, "选中的不是文字")
            return
        self._finish(True, "已取到选中的消息", text=grabbed)


def monotonic_ms() -> float:
    return time.monotonic() * 1000
