"""A bar chart drawn with QPainter for the stats window (QtCharts is not in pyside6-essentials,
matplotlib would add ~40 MB to the frozen build).
"""
from __future__ import annotations


from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget


# --- a bar chart with QPainter ----------------------------------------------------------------

class BarChart(QWidget):
    """Horizontal bars: a label column, bars scaled to the largest value, the value after each
    bar, an optional dashed marker (e.g. the 30 s target). Long labels are elided; hover shows
    the full text."""

    def __init__(self, title: str = "", color: str = "#1e88e5", parent=None):
        super().__init__(parent)
        self.title = title
        self.color = QColor(color)
        self.rows: list[tuple[str, float, str]] = []
        self.marker: float | None = None
        self.marker_label = ""
        self.empty_text = "暂无数据"
        self.under_color = "#26a69a"  # bars within the marker (e.g. answered within the target)
        self.setMouseTracking(True)
        self.setMinimumHeight(120)

    def set_data(self, rows: list[tuple[str, float, str]], *, marker: float | None = None,
                 marker_label: str = "") -> None:
        """rows: (label, value, value text)."""
        self.rows = [(str(a), float(b or 0.0), str(c)) for a, b, c in rows]
        self.marker, self.marker_label = marker, marker_label
        self.updateGeometry()
        self.update()

    def _metrics(self):
        fm = QFontMetrics(self.font())
        title_font = QFont(self.font())
        title_font.setBold(True)
        tfm = QFontMetrics(title_font)
        row_h = fm.height() + 10
        top = (tfm.height() + 10) if self.title else 4
        if self.marker is not None:
            top += fm.height() + 2
        return fm, title_font, tfm, row_h, top

    def sizeHint(self) -> QSize:  # noqa: N802
        fm, _, _, row_h, top = self._metrics()
        return QSize(420, top + max(1, len(self.rows)) * row_h + 8)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(260, min(self.sizeHint().height(), 160))

    def _layout(self):
        fm, _, _, row_h, top = self._metrics()
        w = self.width()
        label_w = min(max((fm.horizontalAdvance(r[0]) for r in self.rows), default=40) + 12, int(w * 0.42))
        value_w = max((fm.horizontalAdvance(r[2]) for r in self.rows), default=20) + 10
        bar_x = label_w + 8
        bar_w = max(20, w - bar_x - value_w - 8)
        return fm, row_h, top, label_w, bar_x, bar_w

    def paintEvent(self, e):  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        fm, title_font, tfm, _, _ = self._metrics()
        if self.title:
            p.setFont(title_font)
            p.setPen(QColor("#37474f"))
            p.drawText(QRectF(4, 2, self.width() - 8, tfm.height() + 4), Qt.AlignLeft | Qt.AlignVCenter,
                       self.title)
            p.setFont(self.font())
        if not self.rows:
            p.setPen(QColor("#90a4ae"))
            p.drawText(self.rect(), Qt.AlignCenter, self.empty_text)
            return
        fm, row_h, top, label_w, bar_x, bar_w = self._layout()
        vmax = max(max(v for _, v, _ in self.rows), self.marker or 0.0) or 1.0
        if self.marker is not None:  # behind the bars and their values
            x = bar_x + bar_w * self.marker / vmax
            pen = QPen(QColor("#e57373"))
            pen.setStyle(Qt.DashLine)
            pen.setWidthF(1.2)
            p.setPen(pen)
            p.drawLine(QPointF(x, top - 2), QPointF(x, top + len(self.rows) * row_h))
            p.setPen(QColor("#c62828"))
            mw = fm.horizontalAdvance(self.marker_label) + 4
            p.drawText(QRectF(min(max(0.0, x - mw / 2), self.width() - mw), top - fm.height() - 2, mw,
                              fm.height()), Qt.AlignCenter, self.marker_label)
        for i, (label, value, vtext) in enumerate(self.rows):
            y = top + i * row_h
            p.setPen(QColor("#455a64"))
            shown = fm.elidedText(label, Qt.ElideRight, label_w - 4)
            p.drawText(QRectF(0, y, label_w, row_h), Qt.AlignRight | Qt.AlignVCenter, shown)
            length = bar_w * value / vmax
            bar = QRectF(bar_x, y + 4, max(2.0, length), row_h - 8)
            color = QColor(self.color)
            if self.marker is not None:
                color = QColor("#e53935") if value > self.marker else QColor(self.under_color)
            p.setPen(Qt.NoPen)
            p.setBrush(color)
            p.drawRoundedRect(bar, 3, 3)
            text_rect = QRectF(bar_x + length + 4, y + 3, fm.horizontalAdvance(vtext) + 6, row_h - 6)
            p.setBrush(QColor(255, 255, 255, 230))
            p.drawRect(text_rect)
            p.setPen(QColor("#263238"))
            p.drawText(text_rect, Qt.AlignCenter, vtext)

    def row_at(self, y: float) -> int | None:
        if not self.rows:
            return None
        _, row_h, top, *_ = self._layout()
        i = int((y - top) // row_h)
        return i if 0 <= i < len(self.rows) and y >= top else None

    def event(self, e):
        if e.type() == e.Type.ToolTip:
            i = self.row_at(e.position().y() if hasattr(e, "position") else e.pos().y())
            if i is not None:
                label, _, vtext = self.rows[i]
                QToolTip.showText(e.globalPos(), f"{label}：{vtext}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)
