"""Mark the chat's message area: a full-screen layer over a still of the screen; drag a rectangle,
release to keep it, Esc to cancel. The area is kept relative to the chat window, per profile."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPen
from PySide6.QtWidgets import QWidget


class AreaPicker(QWidget):
    picked = Signal(QRect)  # global coordinates
    cancelled = Signal()

    def __init__(self, hint: str, highlight: QRect | None = None):
        super().__init__(None, Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint | Qt.Tool)
        self.setAttribute(Qt.WA_DeleteOnClose, True)
        screen = QGuiApplication.primaryScreen()
        self.geo = screen.virtualGeometry()
        self.still = screen.grabWindow(0, self.geo.x(), self.geo.y(), self.geo.width(), self.geo.height())
        self.setGeometry(self.geo)
        self.hint = hint
        self.highlight = highlight
        self.origin: QPoint | None = None
        self.rect_now = QRect()
        self.setCursor(Qt.CrossCursor)
        self.setMouseTracking(True)

    def start(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.grabKeyboard()

    def paintEvent(self, _e):  # noqa: N802
        p = QPainter(self)
        p.drawPixmap(0, 0, self.still)
        p.fillRect(self.rect(), QColor(0, 0, 0, 110))
        if self.highlight is not None:  # the chat window the area belongs to
            p.setPen(QPen(QColor("#ffb300"), 2, Qt.DashLine))
            p.drawRect(self.highlight.translated(-self.geo.topLeft()))
        if not self.rect_now.isNull():
            r = self.rect_now.normalized()
            p.drawPixmap(r, self.still, r)
            p.setPen(QPen(QColor("#1e88e5"), 2))
            p.drawRect(r)
        p.setPen(QColor("white"))
        f = p.font()
        f.setPointSize(16)
        p.setFont(f)
        p.drawText(QRect(0, 20, self.width(), 40), Qt.AlignHCenter, self.hint)

    def mousePressEvent(self, e):  # noqa: N802
        if e.button() == Qt.LeftButton:
            self.origin = e.position().toPoint()
            self.rect_now = QRect(self.origin, self.origin)
            self.update()

    def mouseMoveEvent(self, e):  # noqa: N802
        if self.origin is not None:
            self.rect_now = QRect(self.origin, e.position().toPoint())
            self.update()

    def mouseReleaseEvent(self, e):  # noqa: N802
        if e.button() != Qt.LeftButton or self.origin is None:
            return
        r = QRect(self.origin, e.position().toPoint()).normalized()
        self.origin = None
        self.releaseKeyboard()
        self.close()
        if r.width() < 40 or r.height() < 40:
            self.cancelled.emit()
            return
        self.picked.emit(r.translated(self.geo.topLeft()))

    def keyPressEvent(self, e):  # noqa: N802
        if e.key() == Qt.Key_Escape:
            self.releaseKeyboard()
            self.close()
            self.cancelled.emit()
