"""The sidebar window: message in, analysis chips, ranked replies with editable variables,
empathy, subtext, SOP step, cross-sell. Pure view + keyboard; ui/app.py wires it to the engine
thread and the OS ports.

Focus rules (desktop-pitfalls §5): shown without activation, updated without raising; the agent
clicks it (or brings it up from the tray) to pick with the number keys.

Size (~750 lines): the one main window (replies, editor, chips, side panels, state bars); its
chips (chips.py) and templates (assistant/templates.py) live apart already.
"""
from __future__ import annotations

import html
import time

from PySide6.QtCore import QEvent, QRect, QTimer, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem, QPlainTextEdit,
    QPushButton, QScrollArea, QSizeGrip, QVBoxLayout, QWidget,
)

from assistant import kb, templates
from assistant.engine import Suggestions
from ui.chips import ChipRow

EMOTION_ZH = kb.emotion_names()  # from resources/kb/emotions.tsv
EMOTION_COLOR = {"calm": "#607d8b", "anxious": "#ef6c00", "angry": "#c62828", "disappointed": "#6a1b9a",
                 "confused": "#1565c0", "satisfied": "#2e7d32"}
STAGE_ZH = {"presale": "售前", "order": "售中", "aftersale": "售后", "any": "通用"}
ENTITY_ZH = {"order_no": "订单", "phone": "电话", "amount": "金额", "size": "尺码", "product": "商品"}

STYLE = """
QWidget#sidebar { background: #f7f8fa; border: 1px solid #b0bec5; }
QWidget#titlebar { background: #1e88e5; }
QWidget#titlebar QLabel { color: white; font-weight: bold; }
QWidget#titlebar QPushButton { color: white; background: transparent; border: none; padding: 2px 6px; }
QWidget#titlebar QPushButton:hover { background: #42a5f5; border-radius: 3px; }
QWidget#titlebar QPushButton#watch:checked { background: #2e7d32; border-radius: 3px; }
QLabel.section { color: #455a64; font-weight: bold; margin-top: 6px; }
QListWidget { background: white; border: 1px solid #dde1e6; border-radius: 6px; padding: 0 4px; }
/* no horizontal item padding: the word-wrap height calculation ignores it and clips a line */
QListWidget::item { padding: 6px 0; border-bottom: 1px solid #eef0f3; color: #263238; }
QListWidget::item:selected { background: #e3f2fd; color: #0d47a1; }
QPlainTextEdit { background: white; border: 1px solid #cfd8dc; border-radius: 6px; }
QLabel#warn { color: #b71c1c; font-weight: bold; }
QFrame#banned { background: #fff3e0; border: 1px solid #ef6c00; border-radius: 6px; }
QFrame#variant { background: #e8f5e9; border: 1px solid #43a047; border-radius: 6px; }
QFrame#dbstate { background: #ffebee; border: 1px solid #c62828; border-radius: 6px; }
QLabel#hold { background: #fffde7; border: 1px solid #f9a825; border-radius: 6px; padding: 5px 6px; color: #4e342e; }
QLabel.card { background: white; border: 1px solid #e0e4e8; border-radius: 6px; padding: 6px; color: #37474f; }
QLineEdit[missing="true"] { background: #ffebee; border: 1px solid #e53935; border-radius: 3px; }
QLineEdit { border: 1px solid #cfd8dc; border-radius: 3px; padding: 1px 3px; background: white; }
QPushButton { padding: 3px 8px; }
"""


class ReplyList(QListWidget):
    """Records when it has painted a new set of replies (copy → suggestions painted, measured)."""

    painted = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pending_paint = False
        self.painted_at = 0.0

    def paintEvent(self, e):  # noqa: N802
        super().paintEvent(e)
        if self.pending_paint:
            self.pending_paint = False
            self.painted_at = time.monotonic()
            self.painted.emit(self.painted_at)

    MAX_HEIGHT = 640

    def fit(self) -> None:
        """As tall as the wrapped replies (up to MAX_HEIGHT), so five replies show without a
        scroll bar inside the scrolling sidebar."""
        self.doItemsLayout()
        rows = sum(self.visualItemRect(self.item(i)).height() + self.spacing() for i in range(self.count()))
        h = rows + 2 * self.frameWidth() + 4
        self.setFixedHeight(max(self.minimumSizeHint().height(), 120, min(h, self.MAX_HEIGHT)))

    def resizeEvent(self, e):  # noqa: N802
        super().resizeEvent(e)
        if e.size().width() != e.oldSize().width():
            QTimer.singleShot(0, self, self.fit)


class HoldLine(QLabel):
    """The 先回复 line: "收到，我这就帮您查" above the answers when none is a sure fit (key 0)."""

    clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("hold")
        self.setWordWrap(True)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("没有把握的答案时，先告诉顾客在查（数字键 0 粘贴）")

    def mousePressEvent(self, e):  # noqa: N802
        if e.button() == Qt.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(e)


class TitleBar(QWidget):
    """Drag to move (the window is frameless); buttons for dock, compact, settings, hide."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("titlebar")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.platform = QLabel("客服助手")
        self.platform.setToolTip("当前聊天平台（按前台窗口识别）")
        self.dock_btn = QPushButton("靠左")
        self.dock_btn.setToolTip("停靠到屏幕另一侧")
        self.compact_btn = QPushButton("精简")
        self.compact_btn.setCheckable(True)
        self.compact_btn.setToolTip("精简模式：只看标签和话术")
        self.watch_btn = QPushButton("看屏")
        self.watch_btn.setObjectName("watch")
        self.watch_btn.setCheckable(True)
        self.watch_btn.setToolTip("看屏：聊天窗口在前台时读取新的顾客消息（不用复制）")
        self.settings_btn = QPushButton("设置")
        self.hide_btn = QPushButton("隐藏")
        self.hide_btn.setToolTip("隐藏到托盘（托盘图标可再打开）")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 3, 4, 3)
        row.setSpacing(2)
        row.addWidget(self.platform, 1)
        for b in (self.watch_btn, self.dock_btn, self.compact_btn, self.settings_btn, self.hide_btn):
            b.setFocusPolicy(Qt.NoFocus)
            b.setCursor(Qt.PointingHandCursor)
            row.addWidget(b)

    def mousePressEvent(self, e):  # noqa: N802
        if e.button() == Qt.LeftButton and self.window().windowHandle() is not None:
            self.window().user_moved = True
            self.window().windowHandle().startSystemMove()
            e.accept()
            return
        super().mousePressEvent(e)


class PromptBar(QFrame):
    """A coloured bar in the sidebar asking the agent one question: a rich-text label over a row of
    buttons (``left`` before the stretch, ``right`` after it). Hidden until asked."""

    def __init__(self, name: str, left: list[str], right: list[str], parent=None):
        super().__init__(parent)
        self.setObjectName(name)  # the style sheet colours #banned and #variant
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.RichText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.label)
        row = QHBoxLayout()
        buttons = []
        for text in [*left, None, *right]:
            if text is None:
                row.addStretch(1)
                continue
            btn = QPushButton(text)
            row.addWidget(btn)
            buttons.append(btn)
        lay.addLayout(row)
        self.buttons = buttons
        self.hide()


class BannedBar(PromptBar):
    """Shown instead of pasting when the reply contains a 违禁词."""

    choice = Signal(str)  # text to paste ("" = cancelled)

    def __init__(self, parent=None):
        super().__init__("banned", ["改用建议说法", "仍然粘贴"], ["取消"], parent)
        self.use_btn, self.force_btn, self.cancel_btn = self.buttons
        self._texts = ("", "")
        self.use_btn.clicked.connect(lambda: self._choose(self._texts[1]))
        self.force_btn.clicked.connect(lambda: self._choose(self._texts[0]))
        self.cancel_btn.clicked.connect(lambda: self._choose(""))

    def ask(self, original: str, check: dict) -> None:
        words = "；".join(f"<b>{html.escape(f['word'])}</b>（{html.escape(f['category'])}）"
                         + (f"→ {html.escape(f['suggest'])}" if f.get("suggest") else "")
                         for f in check["found"])
        self.label.setText(f"⚠ 回复里有违禁词：{words}<br><span style='color:#5d4037'>建议说法："
                           f"{html.escape(check['rewritten'])}</span>")
        self._texts = (original, check["rewritten"])
        self.show()
        self.use_btn.setFocus()

    def _choose(self, text: str) -> None:
        self.hide()
        self.choice.emit(text)


class VariantBar(PromptBar):
    """After the agent changed a reply the same way several times: keep the edited text as a reply
    of its own? One click saves it, the other never asks again about that text."""

    save = Signal(object)  # the proposal
    decline = Signal(object)

    def __init__(self, parent=None):
        super().__init__("variant", ["存成新话术"], ["不用了"], parent)
        self.save_btn, self.no_btn = self.buttons
        self.proposal = None
        self.save_btn.clicked.connect(lambda: self._done(self.save))
        self.no_btn.clicked.connect(lambda: self._done(self.decline))

    def offer(self, proposal) -> None:
        self.proposal = proposal
        text = proposal.text if len(proposal.text) <= 60 else proposal.text[:60] + "…"
        self.label.setText(f"「{html.escape(proposal.title)}」您已经改过 {proposal.edits} 次，常改成：<br>"
                           f"<span style='color:#1b5e20'>{html.escape(text)}</span><br>存成一条新话术，下次直接用？")
        self.show()

    def _done(self, signal) -> None:
        proposal, self.proposal = self.proposal, None
        self.hide()
        if proposal is not None:
            signal.emit(proposal)


class DbStateBar(PromptBar):
    """The knowledge base is not fully usable: what state it is really in (只读 / 已锁定 / 已损坏 …)
    and the way out, with a button for it. Hidden while everything is fine."""

    action = Signal(str)  # restore | rebuild | retry
    BUTTONS = {"corrupt": ("restore", "rebuild"), "locked": ("retry",), "readonly": ("retry",),
               "full": ("retry",), "newer": (), "error": ("restore", "retry")}
    NAMES = {"restore": "恢复备份", "rebuild": "重新生成", "retry": "重试"}

    def __init__(self, parent=None):
        super().__init__("dbstate", ["恢复备份", "重新生成"], ["重试"], parent)
        self.restore_btn, self.rebuild_btn, self.retry_btn = self.buttons
        self.restore_btn.setToolTip("用最近的完好备份替换知识库（店铺自己的话术和使用记录一起回来），当前文件先另存一份")
        self.rebuild_btn.setToolTip("从默认话术重新生成知识库（坏文件先另存一份）")
        for btn, name in ((self.restore_btn, "restore"), (self.rebuild_btn, "rebuild"), (self.retry_btn, "retry")):
            btn.clicked.connect(lambda _=False, n=name: self.action.emit(n))
        self.state = ""

    def show_state(self, state: str, message: str) -> None:
        from assistant.db import STATE_NAMES

        self.state = state
        self.label.setText(f"<b>知识库{html.escape(STATE_NAMES.get(state, '出错'))}</b>：{html.escape(message)}")
        wanted = self.BUTTONS.get(state, ("retry",))
        for btn, name in ((self.restore_btn, "restore"), (self.rebuild_btn, "rebuild"), (self.retry_btn, "retry")):
            btn.setVisible(name in wanted)
        self.show()

    def clear_state(self) -> None:
        self.state = ""
        self.hide()


class VarEditor(QWidget):
    """One line edit per template variable of the selected reply; missing ones highlighted."""

    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(4, 2, 4, 2)
        self.form.setSpacing(3)
        self.fields: dict[str, QLineEdit] = {}

    def set_variables(self, values: list[tuple[str, str]]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        for name, value in values:
            ed = QLineEdit(value)
            ed.setPlaceholderText("请填写")
            ed.textChanged.connect(lambda _t, ed=ed: self._mark(ed))
            ed.textEdited.connect(lambda _t: self.edited.emit())
            self._mark(ed)
            self.fields[name] = ed
            self.form.addRow(name, ed)
        self.setVisible(bool(values))

    @staticmethod
    def _mark(ed: QLineEdit) -> None:
        missing = not ed.text().strip()
        if ed.property("missing") != missing:
            ed.setProperty("missing", missing)
            ed.style().unpolish(ed)
            ed.style().polish(ed)

    def values(self) -> dict[str, str]:
        return {k: ed.text().strip() for k, ed in self.fields.items()}

    def missing(self) -> list[str]:
        return [k for k, v in self.values().items() if not v]


class Sidebar(QWidget):
    """Pure view + keyboard handling. The app wires it to the engine thread and the ports."""

    message_changed = Signal(str)  # debounced text of the input box (typed or pasted by the agent)
    paste_requested = Signal(str)  # final text the agent chose (empathy prepended if asked)
    paste_confirmed = Signal(str)  # after the 违禁词 bar: the text the agent settled on
    settings_requested = Signal()
    dock_requested = Signal(str)
    compact_changed = Signal(bool)
    geometry_changed = Signal()
    hide_requested = Signal()

    FLAGS = Qt.Tool | Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint

    def __init__(self, intent_names: dict[str, str] | None = None, parent=None):
        super().__init__(parent, self.FLAGS)  # flags before the first show (pitfalls §5.2)
        self.setObjectName("sidebar")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setAttribute(Qt.WA_ShowWithoutActivating, True)  # never steal focus from the chat
        self.setAttribute(Qt.WA_MacAlwaysShowToolWindow, True)
        self.setWindowTitle("客服助手")
        self.setStyleSheet(STYLE)
        self.intent_names = intent_names or {}
        self.suggestions: Suggestions | None = None
        self._vars: dict[int, dict[str, str]] = {}  # row → edited variable values
        self.user_moved = False
        self.picked: dict = {}
        self.compact = False
        self.dock_side = "right"

        self.title = TitleBar(self)
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText("复制顾客消息会自动分析，也可以在这里粘贴或输入（Ctrl+回车 立即分析）")
        self.input.setFixedHeight(60)
        self.status = QLabel("正在打开知识库…")
        self.status.setStyleSheet("color:#78909c;")
        self.status.setWordWrap(True)
        self.chips = ChipRow()
        self.warn = QLabel()
        self.warn.setObjectName("warn")
        self.warn.setWordWrap(True)
        self.warn.hide()
        self.banned = BannedBar()
        self.variant = VariantBar()
        self.dbstate = DbStateBar()
        self.replies_title = self._section("推荐话术（数字键 1–9 粘贴 · 回车粘贴选中 · F2 改写）")
        # F2: rewrite the selected reply before it goes out (what the agent sends is what counts)
        self.editor = QPlainTextEdit()
        self.editor.setMaximumHeight(120)
        self.editor_hint = QLabel("改写后 Ctrl+回车 粘贴 · Esc 取消")
        self.editor_hint.setStyleSheet("color:#78909c;")
        self.editor.hide()
        self.editor_hint.hide()
        self._editing: tuple[int, dict] | None = None  # (rank − 1, reply) being rewritten
        self._folded = False  # the answers are unsure and folded away (Suggestions.folded)
        self.fold_unsure = True  # Settings.fold_unsure: fold them at all
        self.hold = HoldLine()
        self.hold.clicked.connect(self.pick_hold)
        self.hold.hide()
        self.replies = ReplyList()
        self.replies.setWordWrap(True)
        self.replies.setTextElideMode(Qt.ElideNone)
        self.replies.setResizeMode(QListView.Adjust)  # re-wrap item heights whenever the width changes
        self.replies.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.replies.itemActivated.connect(self._activate_item)
        self.replies.itemClicked.connect(lambda _item: self.unfold())  # one click on the grey line
        self.replies.currentRowChanged.connect(self._row_changed)
        self.var_title = self._section("填写变量（红色为缺少的）")
        self.vars = VarEditor()
        self.vars.edited.connect(self._vars_edited)
        self.vars.hide()
        self.var_title.hide()
        self.empathy = QLabel()
        self.empathy.setWordWrap(True)
        self.empathy.setProperty("class", "card")
        self.empathy_btn = QPushButton("加上共情开场 (E)")
        self.empathy_btn.setCheckable(True)
        self.empathy_btn.setFocusPolicy(Qt.NoFocus)
        self.empathy_btn.toggled.connect(self._refresh_items)
        self.subtext = QLabel()
        self.subtext.setWordWrap(True)
        self.subtext.setProperty("class", "card")
        self.playbook = QLabel()
        self.playbook.setWordWrap(True)
        self.playbook.setTextFormat(Qt.RichText)
        self.playbook.setProperty("class", "card")
        self.cross = QLabel()
        self.cross.setWordWrap(True)
        self.cross.setProperty("class", "card")
        self.toast = QLabel()
        self.toast.setStyleSheet("color:#2e7d32;")
        self.toast.setWordWrap(True)
        self._toast_timer = QTimer(self, singleShot=True, interval=3000)
        self._toast_timer.timeout.connect(self.toast.clear)

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(4)
        lay.addWidget(self.input)
        lay.addWidget(self.dbstate)
        lay.addWidget(self.chips)
        lay.addWidget(self.warn)
        lay.addWidget(self.banned)
        lay.addWidget(self.variant)
        lay.addWidget(self.replies_title)
        lay.addWidget(self.hold)
        lay.addWidget(self.replies, 3)
        lay.addWidget(self.editor)
        lay.addWidget(self.editor_hint)
        lay.addWidget(self.var_title)
        lay.addWidget(self.vars)
        self.detail = QWidget()  # everything compact mode hides
        dl = QVBoxLayout(self.detail)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.setSpacing(4)
        row = QHBoxLayout()
        row.addWidget(self._section("共情开场"))
        row.addStretch(1)
        row.addWidget(self.empathy_btn)
        dl.addLayout(row)
        dl.addWidget(self.empathy)
        dl.addWidget(self._section("顾客可能的意思"))
        dl.addWidget(self.subtext)
        dl.addWidget(self._section("处理流程"))
        dl.addWidget(self.playbook)
        dl.addWidget(self._section("可以推荐"))
        dl.addWidget(self.cross)
        lay.addWidget(self.detail)
        lay.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(3, 3, 3, 3)  # the 3 px rim is the resize handle (frameless window)
        outer.setSpacing(0)
        outer.addWidget(self.title)
        self.timer_label = None  # ui.response_timer.ResponseTimerLabel once the app has a timer
        self.timer_row = QVBoxLayout()  # under the title bar: visible in compact mode too
        self.timer_row.setContentsMargins(8, 3, 8, 0)
        outer.addLayout(self.timer_row)
        outer.addWidget(self.scroll, 1)
        foot = QHBoxLayout()
        foot.setContentsMargins(8, 2, 0, 0)
        foot.addWidget(self.status, 1)
        foot.addWidget(self.toast, 1)
        foot.addWidget(QSizeGrip(self), 0, Qt.AlignBottom | Qt.AlignRight)
        outer.addLayout(foot)
        self.setMouseTracking(True)
        self.setMinimumSize(260, 300)

        self.title.dock_btn.clicked.connect(
            lambda: self.dock_requested.emit("left" if self.dock_side != "left" else "right"))
        self.title.compact_btn.toggled.connect(self._compact_clicked)
        self.title.settings_btn.clicked.connect(self.settings_requested)
        self.title.hide_btn.clicked.connect(self.hide_requested)
        self.banned.choice.connect(self._banned_choice)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(lambda: self.message_changed.emit(self.input.toPlainText()))
        self.input.textChanged.connect(self._debounce.start)
        sc = QShortcut(QKeySequence("0"), self)
        sc.setContext(Qt.WindowShortcut)
        sc.activated.connect(self.pick_hold)
        for n in range(1, 10):
            sc = QShortcut(QKeySequence(str(n)), self)
            sc.setContext(Qt.WindowShortcut)  # text fields keep their digits (ShortcutOverride)
            sc.activated.connect(lambda n=n: self.pick(n - 1))
        sc = QShortcut(QKeySequence("G"), self)
        sc.setContext(Qt.WindowShortcut)
        sc.activated.connect(self.unfold)
        sc = QShortcut(QKeySequence("E"), self)
        sc.setContext(Qt.WindowShortcut)
        sc.activated.connect(self.empathy_btn.toggle)
        sc = QShortcut(QKeySequence("Ctrl+Return"), self.input)
        sc.setContext(Qt.WidgetShortcut)
        sc.activated.connect(lambda: self.message_changed.emit(self.input.toPlainText()))
        sc = QShortcut(QKeySequence("F2"), self)
        sc.setContext(Qt.WindowShortcut)
        sc.activated.connect(lambda: self.start_edit(self.replies.currentRow()))
        sc = QShortcut(QKeySequence("Ctrl+Return"), self.editor)
        sc.setContext(Qt.WidgetShortcut)
        sc.activated.connect(self.paste_edited)
        sc = QShortcut(QKeySequence("Escape"), self.editor)
        sc.setContext(Qt.WidgetShortcut)
        sc.activated.connect(self.cancel_edit)
        self._geo_timer = QTimer(self, singleShot=True, interval=400)
        self._geo_timer.timeout.connect(self.geometry_changed)
        self.resize(400, 860)
        self.show_suggestions(None)

    @staticmethod
    def _section(title: str) -> QLabel:
        lab = QLabel(title)
        lab.setProperty("class", "section")
        return lab

    # --- window behaviour -------------------------------------------------------------------

    def _edges_at(self, pos) -> Qt.Edges:
        m, r = 5, self.rect()
        edges = Qt.Edges()
        if pos.x() <= m:
            edges |= Qt.LeftEdge
        if pos.x() >= r.width() - m:
            edges |= Qt.RightEdge
        if pos.y() >= r.height() - m:
            edges |= Qt.BottomEdge
        return edges

    def mouseMoveEvent(self, e):  # noqa: N802
        edges = self._edges_at(e.position().toPoint())
        if edges & (Qt.LeftEdge | Qt.RightEdge):
            self.setCursor(Qt.SizeHorCursor)
        elif edges:
            self.setCursor(Qt.SizeVerCursor)
        else:
            self.unsetCursor()
        super().mouseMoveEvent(e)

    def mousePressEvent(self, e):  # noqa: N802
        edges = self._edges_at(e.position().toPoint())
        if e.button() == Qt.LeftButton and edges and self.windowHandle() is not None:
            self.windowHandle().startSystemResize(edges)
            e.accept()
            return
        super().mousePressEvent(e)

    def moveEvent(self, e):  # noqa: N802
        super().moveEvent(e)
        self._geo_timer.start()

    def resizeEvent(self, e):  # noqa: N802
        super().resizeEvent(e)
        self._geo_timer.start()

    def dock(self, side: str, beside: tuple[int, int, int, int] | None = None) -> None:
        """Left/right screen edge at full height, or beside a window's rect (x, y, w, h)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        avail: QRect = screen.availableGeometry()
        w = min(self.width(), avail.width() // 2)
        if side == "beside" and beside is not None:
            x, y, bw, bh = beside
            if x + bw + w <= avail.right() + 1:
                nx = x + bw
            elif x - w >= avail.left():
                nx = x - w
            else:
                nx = avail.right() + 1 - w
            h = max(self.minimumHeight(), min(bh, avail.height()))
            ny = min(max(avail.top(), y), avail.bottom() + 1 - h)
            self.setGeometry(nx, ny, w, h)
        elif side in ("left", "right"):
            x = avail.left() if side == "left" else avail.right() + 1 - w
            self.setGeometry(x, avail.top(), w, avail.height())
        self.dock_side = side
        self.title.dock_btn.setText("靠右" if side == "left" else "靠左")

    def set_compact(self, on: bool) -> None:
        self.compact = on
        self.detail.setVisible(not on)
        self.input.setVisible(not on)
        self.title.compact_btn.blockSignals(True)
        self.title.compact_btn.setChecked(on)
        self.title.compact_btn.setText("完整" if on else "精简")
        self.title.compact_btn.blockSignals(False)

    def _compact_clicked(self, on: bool) -> None:
        self.set_compact(on)
        self.compact_changed.emit(on)

    def set_platform(self, label: str, detail: str = "") -> None:
        self.title.platform.setText(f"客服助手 · {label}" if label else "客服助手")
        self.title.platform.setToolTip(detail or "当前聊天平台（按前台窗口识别）")

    def set_response_timer(self, timer, conversation: str = ""):
        """Show how long the customer has been waiting (assistant.response_time.ResponseTimer),
        red past its warn_after (30 s by default)."""
        from ui.response_timer import ResponseTimerLabel

        if self.timer_label is None:
            self.timer_label = ResponseTimerLabel(timer, conversation, two_lines=True)
            self.timer_row.addWidget(self.timer_label)
        else:
            self.timer_label.timer = timer
            self.timer_label.set_conversation(conversation)
        return self.timer_label

    # --- rendering --------------------------------------------------------------------------

    def set_watching(self, on: bool, state: str = "") -> None:
        """The screen-watch switch and its indicator: a green "● 看屏中" while watching."""
        b = self.title.watch_btn
        b.blockSignals(True)
        b.setChecked(on)
        b.blockSignals(False)
        b.setText("● 看屏中" if on else "看屏")
        b.setToolTip((state + "\n") if state else "" + "看屏：聊天窗口在前台时读取新的顾客消息（不用复制）")

    def set_status(self, message: str) -> None:
        self.status.setText(message)

    def set_message(self, message: str) -> None:
        """Show a message that came from the clipboard/grab without re-triggering analysis."""
        self.input.blockSignals(True)
        self.input.setPlainText(message)
        self.input.blockSignals(False)
        self._debounce.stop()

    def show_suggestions(self, s: Suggestions | None) -> None:
        self.suggestions = s
        self._folded = False
        self._vars = {}
        self.banned.hide()
        self.replies.clear()
        self.hold.setVisible(bool(s and s.hold))
        if s is None:
            self.replies.fit()
            self.chips.set_chips([])
            self.warn.hide()
            self.vars.set_variables([])
            self.var_title.hide()
            for lab in (self.empathy, self.subtext, self.playbook, self.cross):
                lab.setText("—")
            return
        a = s.analysis
        if a is not None:
            chips = [(self.intent_names.get(a.intent, a.intent), "#37474f")]
            chips += [(f"还问：{self.intent_names.get(k, k)}", "#546e7a") for k in a.also]
            chips += [(STAGE_ZH.get(a.stage, a.stage), "#78909c"),
                      (f"{EMOTION_ZH.get(a.emotion, a.emotion)} {a.intensity:.1f}",
                       EMOTION_COLOR.get(a.emotion, "#607d8b"))]
            if a.urgent:
                chips.append(("紧急", "#d50000"))
            for key, value in a.entities.items():
                chips.append((f"{ENTITY_ZH.get(key, key)}：{value}", "#00796b"))
            self.chips.set_chips(chips)
        else:
            self.chips.set_chips([])
        if s.warnings:
            self.warn.setText("⚠ " + "\n⚠ ".join(s.warnings))
            self.warn.show()
        else:
            self.warn.hide()
        self._folded = s.folded and self.fold_unsure
        self._fill_replies()
        self.replies.pending_paint = bool(s.replies)  # copy → suggestions painted is timed from here
        self.empathy.setText("\n".join(e["text"] for e in s.empathy) or "—")
        self.subtext.setText("\n".join(f"{x['meaning']} → {x['advice']}" for x in s.subtext) or "—")
        pb = s.playbook
        if pb:
            opts = "".join(f"<li>{html.escape(o)}</li>" for o in pb["options"])
            self.playbook.setText(
                f"<b>{html.escape(pb['name'])}</b> · 第 {pb['step_no']}/{len(pb['steps'])} 步：{html.escape(pb['step'])}"
                f"<ul style='margin:2px'>{opts}</ul><span style='color:#8d6e63'>权限：{html.escape(pb['limit'])}</span>")
        else:
            self.playbook.setText("—")
        self.cross.setText("\n".join(f"{c['product']}：{c['reason']}" for c in s.cross_sell) or "—")

    FOLDED_TEXT = "这几条答案都没有把握，已收起 · 按 G 或点这里展开"

    def _fill_replies(self) -> None:
        """The answers, or while they are folded one grey line saying how to see them."""
        s = self.suggestions
        self.replies.clear()
        self._vars = {}
        if self._folded:
            item = QListWidgetItem(self.FOLDED_TEXT)
            item.setFlags(Qt.ItemIsEnabled)  # not selectable: digits and Enter paste nothing hidden
            item.setForeground(QColor("#78909c"))
            self.replies.addItem(item)
        else:
            for i, r in enumerate(s.replies):
                item = QListWidgetItem()
                item.setData(Qt.UserRole, r)
                item.setToolTip(f"{r['title']} · {self.intent_names.get(r['intent'], r['intent'])} · {r['why']}")
                self.replies.addItem(item)
                values = templates.split(r["text"], r["filled"], r["missing"])
                if values:
                    self._vars[i] = dict(values)
        self._refresh_items()
        if s.replies and not self._folded:
            self.replies.setCurrentRow(0)
        else:
            self._row_changed(-1)

    @property
    def folded(self) -> bool:
        """Are the answers on screen folded away under the 先回复 line?"""
        return self._folded

    def reply_texts(self) -> list[str]:
        """Every answer offered for the message as it would be pasted, folded or not."""
        return [self.final_text(i) for i in range(len(self.suggestions.replies))] if self.suggestions else []

    def unfold(self) -> None:
        """Show the answers folded away under the 先回复 line (key G, or a click on the grey line)."""
        if self.suggestions is None or not self._folded:
            return
        self._folded = False
        self._fill_replies()

    def _reply_text(self, index: int) -> tuple[str, list[str]]:
        """(text with the agent's variable values, names still missing)."""
        r = self.suggestions.replies[index]
        values = self._vars.get(index)
        if values is None:
            return r["filled"], list(r["missing"])
        return templates.render(r["text"], values), [k for k, v in values.items() if not v]

    def _hold_text(self) -> str:
        """The 先回复 line as it would be pasted (with the empathy opening when E is on)."""
        s = self.suggestions
        empathy = self.empathy_btn.isChecked() and bool(s.empathy)
        return (s.empathy[0]["text"] if empathy else "") + s.hold["filled"]

    def _refresh_items(self, *_):
        if not self.suggestions:
            return
        if self.suggestions.hold:
            self.hold.setText(f"0. 先回复：{self._hold_text()}")
        if self._folded:
            QTimer.singleShot(0, self.replies, self.replies.fit)
            return
        for i in range(self.replies.count()):
            item = self.replies.item(i)
            textv, missing = self._reply_text(i)
            if self.empathy_btn.isChecked() and self.suggestions.empathy:
                textv = self.suggestions.empathy[0]["text"] + textv
            miss = f"\n【待填：{'、'.join(missing)}】" if missing else ""
            item.setText(f"{i + 1}. {textv}{miss}")
            item.setForeground(QColor("#b71c1c") if missing else QColor("#263238"))
        QTimer.singleShot(0, self.replies, self.replies.fit)

    def _row_changed(self, row: int) -> None:
        values = self._vars.get(row) if row >= 0 else None
        self.vars.set_variables(list(values.items()) if values else [])
        self.var_title.setVisible(bool(values))

    def _vars_edited(self) -> None:
        row = self.replies.currentRow()
        if row in self._vars:
            self._vars[row].update(self.vars.values())
            self._refresh_items()

    # --- picking ----------------------------------------------------------------------------

    def _activate_item(self, item: QListWidgetItem) -> None:
        if self._folded:
            self.unfold()
            return
        self.pick(self.replies.row(item))

    def final_text(self, index: int) -> str | None:
        if not self.suggestions or not (0 <= index < len(self.suggestions.replies)):
            return None
        textv, _ = self._reply_text(index)
        if self.empathy_btn.isChecked() and self.suggestions.empathy:
            textv = self.suggestions.empathy[0]["text"] + textv
        return textv

    def pick(self, index: int) -> None:
        if self._folded and self.suggestions and 0 <= index < len(self.suggestions.replies):
            self.show_toast("答案都没有把握，已收起：按 G 看过再选（0 粘贴先回复）", error=True)
            return
        textv = self.final_text(index)
        if textv is None:
            return
        if self.replies.currentRow() != index:
            self.replies.setCurrentRow(index)
        _, missing = self._reply_text(index)
        if missing:
            self.show_toast(f"请先填写：{'、'.join(missing)}", error=True)
            ed = self.vars.fields.get(missing[0])
            if ed is not None:
                ed.setFocus()
            return
        r = self.suggestions.replies[index]
        # what the learning log needs to know about this pick (ui/app.py passes it on)
        self.picked = {"source": "sidebar", "reply_id": r["id"], "intent": r["intent"], "rank": index + 1,
                       "edited": self._reply_text(index)[0] != r["filled"],
                       "empathy": self.empathy_btn.isChecked() and bool(self.suggestions.empathy)}
        self.paste_requested.emit(textv)

    def pick_hold(self) -> None:
        """Paste the 先回复 line (key 0), when there is one."""
        hold = self.suggestions.hold if self.suggestions else None
        if not hold:
            return
        self.picked = {"source": "sidebar", "reply_id": hold["id"], "intent": hold["intent"], "rank": 0,
                       "edited": False, "empathy": self.empathy_btn.isChecked() and bool(self.suggestions.empathy)}
        self.paste_requested.emit(self._hold_text())

    def start_edit(self, index: int) -> None:
        """Open the selected reply, filled in, for rewriting (F2)."""
        if self.suggestions is None or self._folded or not 0 <= index < len(self.suggestions.replies):
            return
        textv = self.final_text(index)
        if textv is None:
            return
        self._editing = (index, self.suggestions.replies[index])  # kept if a new message arrives meanwhile
        self.editor.setPlainText(textv)
        self.editor.show()
        self.editor_hint.show()
        self.editor.setFocus()
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)

    def cancel_edit(self) -> None:
        self._editing = None
        self.editor.hide()
        self.editor_hint.hide()
        self.replies.setFocus()

    def paste_edited(self) -> None:
        textv = self.editor.toPlainText().strip()
        if self._editing is None or not textv:
            return
        index, r = self._editing
        self.cancel_edit()
        self.picked = {"source": "sidebar", "reply_id": r["id"], "intent": r["intent"], "rank": index + 1,
                       "edited": True, "empathy": False}
        self.paste_requested.emit(textv)

    def _banned_choice(self, textv: str) -> None:
        if textv:
            self.paste_confirmed.emit(textv)
        else:
            self.show_toast("已取消")
        self.replies.setFocus()

    def ask_banned(self, original: str, check: dict) -> None:
        self.banned.ask(original, check)

    def show_toast(self, message: str, error: bool = False) -> None:
        self.toast.setStyleSheet(f"color:{'#c62828' if error else '#2e7d32'};")
        self.toast.setText(message)
        self._toast_timer.start()

    def event(self, e):  # noqa: D401  (focus the reply list when the agent brings the bar up)
        if e.type() == QEvent.WindowActivate and not self.compact:
            fw = self.focusWidget()
            if fw is None or fw is self.input and not self.input.toPlainText():
                self.replies.setFocus()
        return super().event(e)
