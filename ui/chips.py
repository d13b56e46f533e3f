"""A wrapping row of chips (Qt's flow-layout example), so long entities such as 18-digit order
numbers go to the next line instead of widening the sidebar."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QLayout, QSizePolicy, QWidget


class FlowLayout(QLayout):
    def __init__(self, parent=None, spacing: int = 4):
        super().__init__(parent)
        self._items = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item):  # noqa: N802 (Qt API)
        self._items.append(item)

    def count(self):
        return len(self._items)

    def itemAt(self, i):  # noqa: N802
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i):  # noqa: N802
        return self._items.pop(i) if 0 <= i < len(self._items) else None

    def expandingDirections(self):  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self):  # noqa: N802
        return True

    def heightForWidth(self, width):  # noqa: N802
        return self._do_layout(QRect(0, 0, width, 0), test_only=True)

    def setGeometry(self, rect):  # noqa: N802
        super().setGeometry(rect)
        self._do_layout(rect, test_only=False)

    def sizeHint(self):  # noqa: N802
        return self.minimumSize()

    def minimumSize(self):  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _do_layout(self, rect: QRect, test_only: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line_h = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            w = min(hint.width(), max(1, area.width()))
            if x + w > area.right() + 1 and line_h > 0:
                x = area.x()
                y += line_h + self._spacing
                line_h = 0
            if not test_only:
                item.setGeometry(QRect(QPoint(x, y), QSize(w, hint.height())))
            x += w + self._spacing
            line_h = max(line_h, hint.height())
        return y + line_h - rect.y() + m.bottom()


class Chip(QLabel):
    """One rounded label; text longer than the row is elided in the middle (tooltip has it all)."""

    def __init__(self, text: str, color: str, parent=None):
        super().__init__(parent)
        self.full_text = text
        self.setToolTip(text)
        self.setStyleSheet(f"QLabel {{ background:{color}; color:white; border-radius:4px; padding:1px 6px; }}")
        self.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)
        self.setText(text)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)

    def minimumSizeHint(self):  # noqa: N802  (never forces the sidebar wider)
        return QSize(24, super().minimumSizeHint().height())

    def _overhead(self) -> int:
        """Padding + frame around the text, measured from QLabel's own hint."""
        fm = QFontMetrics(self.font())
        return max(0, QLabel.sizeHint(self).width() - fm.horizontalAdvance(self.text()))

    def resizeEvent(self, e):  # noqa: N802
        super().resizeEvent(e)
        fm = QFontMetrics(self.font())
        avail = self.width() - self._overhead()
        shown = self.full_text if fm.horizontalAdvance(self.full_text) <= avail else \
            fm.elidedText(self.full_text, Qt.ElideMiddle, max(20, avail))
        if shown != self.text():
            QLabel.setText(self, shown)

    def sizeHint(self):  # noqa: N802  (hint from the full text, so elision is undone when wider)
        fm = QFontMetrics(self.font())
        return QSize(fm.horizontalAdvance(self.full_text) + self._overhead(), QLabel.sizeHint(self).height())


class ChipRow(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.flow = FlowLayout(self)
        sp = QSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)

    def set_chips(self, chips: list[tuple[str, str]]) -> None:
        while self.flow.count():
            item = self.flow.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
                item.widget().setParent(None)
        for text, color in chips:
            self.flow.addWidget(Chip(text, color, self))
        self.flow.invalidate()
        self.updateGeometry()

    def texts(self) -> list[str]:
        return [self.flow.itemAt(i).widget().full_text for i in range(self.flow.count())]

    def text(self) -> str:  # what the old QLabel offered: all chips as one string
        return " ".join(self.texts())

    def hasHeightForWidth(self):  # noqa: N802
        return True

    def heightForWidth(self, w):  # noqa: N802
        return self.flow.heightForWidth(w)

    def sizeHint(self):  # noqa: N802
        w = self.width() if self.width() > 50 else 300
        return QSize(w, self.heightForWidth(w))

    def minimumSizeHint(self):  # noqa: N802
        return QSize(24, self.heightForWidth(max(self.width(), 50)) if self.flow.count() else 0)
