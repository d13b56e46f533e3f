"""The Alt+Q search popup: a Spotlight-style box over any app. Type to search (words, pinyin
initials ``thh``, ``/shortcode``), arrows to move, Enter to paste into the window that was
active before, Esc to close. Created once at start and only shown/hidden, so it opens fast."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QTimer, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

STYLE = """
QFrame#popup { background: white; border: 2px solid #1e88e5; border-radius: 8px; }
QLineEdit { font-size: 16pt; padding: 6px; border: none; border-bottom: 1px solid #e0e0e0; }
QListWidget { border: none; padding: 0 4px; }
QListWidget::item { padding: 5px 0; border-bottom: 1px solid #f0f0f0; color: #263238; }
QListWidget::item:selected { background: #e3f2fd; color: #0d47a1; }
QLabel#hint { color: #90a4ae; padding: 2px 6px; }
"""


class SearchPopup(QWidget):
    query_changed = Signal(str)
    chosen = Signal(str)  # the reply text to paste
    closed = Signal()  # Esc or focus lost without choosing
    shown = Signal(float)  # monotonic time of the first paint after open()

    def __init__(self, parent=None):
        super().__init__(parent, Qt.Tool | Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint)
        self.setWindowTitle("客服助手 · 搜索话术")
        self.setAttribute(Qt.WA_TranslucentBackground, False)
        self.setStyleSheet(STYLE)
        frame = QFrame(self)
        frame.setObjectName("popup")
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("搜索话术：关键词 / 拼音首字母 thh / 短码 /fh")
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.setFocusPolicy(Qt.NoFocus)
        self.results.itemDoubleClicked.connect(lambda _i: self.accept())
        self.hint = QLabel("↑↓ 选择 · 回车 粘贴到聊天窗口 · Esc 关闭")
        self.hint.setObjectName("hint")
        lay = QVBoxLayout(frame)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.edit)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.hint)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        self.resize(620, 420)
        self._debounce = QTimer(self, singleShot=True, interval=60)
        self._debounce.timeout.connect(lambda: self.query_changed.emit(self.edit.text().strip()))
        self.edit.textChanged.connect(self._debounce.start)
        self.edit.installEventFilter(self)
        self.pending_paint = False
        self.shown_at = 0.0
        self._was_active = False
        self._accepted = False
        self._enter_pending = False
        self.chosen_hit: dict = {}

    # --- open / close -----------------------------------------------------------------------

    def open(self) -> None:
        screen = QGuiApplication.screenAt(QGuiApplication.primaryScreen().geometry().center()) \
            or QGuiApplication.primaryScreen()
        g = screen.availableGeometry()
        self.move(g.center().x() - self.width() // 2, g.top() + g.height() // 4)
        self._was_active = False
        self._accepted = False
        self.pending_paint = True
        self.show()
        self.raise_()
        self.activateWindow()
        self.edit.setFocus()
        self.edit.selectAll()

    def paintEvent(self, e):  # noqa: N802
        super().paintEvent(e)
        if self.pending_paint:
            self.pending_paint = False
            self.shown_at = time.monotonic()
            self.shown.emit(self.shown_at)

    def changeEvent(self, e):  # noqa: N802
        if e.type() == QEvent.ActivationChange:
            if self.isActiveWindow():
                self._was_active = True
            elif self._was_active and self.isVisible() and not self._accepted:
                self.cancel()  # clicked elsewhere: behave like Esc
        super().changeEvent(e)

    def cancel(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit()

    def accept(self) -> None:
        item = self.results.currentItem()
        if item is None:
            return
        self._accepted = True
        self.hide()
        self.chosen_hit = item.data(Qt.UserRole)
        self.chosen.emit(item.data(Qt.UserRole + 1))

    # --- results ----------------------------------------------------------------------------

    def set_results(self, hits: list[dict]) -> None:
        self.results.clear()
        for i, h in enumerate(hits, 1):
            textv = h.get("filled") or h["text"]
            code = f"  /{h['code']}" if h.get("code") else ""
            item = QListWidgetItem(f"{h['title']}{code}\n{textv}")
            item.setData(Qt.UserRole, h)
            item.setData(Qt.UserRole + 1, textv)
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)
        self.hint.setText("↑↓ 选择 · 回车 粘贴到聊天窗口 · Esc 关闭" if hits or not self.edit.text()
                          else "没有找到：换个说法，或试试拼音首字母")
        if self._enter_pending:
            self._enter_pending = False
            if hits:
                self.accept()

    def eventFilter(self, obj, e):  # noqa: N802
        if obj is self.edit and e.type() == QEvent.KeyPress:
            key = e.key()
            n = self.results.count()
            if key in (Qt.Key_Down, Qt.Key_Up) and n:
                row = self.results.currentRow() + (1 if key == Qt.Key_Down else -1)
                self.results.setCurrentRow(max(0, min(n - 1, row)))
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter):
                if self._debounce.isActive():  # typed and pressed Enter at once: search first
                    self._debounce.stop()
                    self.query_changed.emit(self.edit.text().strip())
                    self._enter_pending = True
                    return True
                self.accept()
                return True
            if key == Qt.Key_Escape:
                self.cancel()
                return True
        return super().eventFilter(obj, e)
