"""Rendered chat areas for the screen-watch tests: bubbles drawn with Qt in the CJK font, the way
chat clients draw them (customer left on white, agent right on green, grey headers on the plain
background). Returns the image and where each line of text was drawn, so layout can be tested
with exact boxes and OCR against known text."""
from __future__ import annotations

import numpy as np

BG, LEFT, RIGHT = "#ededed", "#ffffff", "#95ec69"


def render_chat(turns, width=560, wrap=300, header=True, bubbles=True, font_px=17):
    """turns: [(role, text, nick, time)]. Returns (H×W×3 uint8 RGB, [(kind, text, box)]) where
    kind is "header" or the role."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

    from ui.fonts import apply_cjk_font  # noqa: F401  (the CJK family the app uses)

    f = QFont()
    f.setPixelSize(font_px)
    hf = QFont(f)
    hf.setPixelSize(12)
    fm, hfm = QFontMetrics(f), QFontMetrics(hf)
    # lay out first, then draw
    items, y = [], 10
    for role, text, nick, time in turns:
        left = role == "customer"
        if header:
            htext = f"{nick}  {time}"
            hw = hfm.horizontalAdvance(htext)
            hx = 14 if left else width - 14 - hw
            items.append(("header", htext, QRect(hx, y, hw, hfm.height())))
            y += hfm.height() + 4
        # wrap the text into lines no wider than ``wrap``
        lines, cur = [], ""
        for ch in text:
            if fm.horizontalAdvance(cur + ch) > wrap:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        lines.append(cur)
        bw = max(fm.horizontalAdvance(ln) for ln in lines) + 20
        bh = len(lines) * (fm.height() + 2) + 14
        bx = 14 if left else width - 14 - bw
        items.append(("bubble", role, QRect(bx, y, bw, bh)))
        ly = y + 7
        for ln in lines:
            items.append((role, ln, QRect(bx + 10, ly, fm.horizontalAdvance(ln), fm.height())))
            ly += fm.height() + 2
        y += bh + 12
    img = QImage(width, y + 10, QImage.Format_RGB888)
    img.fill(QColor(BG))
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    truth = []
    for kind, text, r in items:
        if kind == "bubble":
            if bubbles:
                p.setPen(Qt.NoPen)
                p.setBrush(QColor(LEFT if text == "customer" else RIGHT))
                p.drawRoundedRect(r, 6, 6)
            continue
        p.setFont(hf if kind == "header" else f)
        p.setPen(QColor("#8a8a8a" if kind == "header" else "#111111"))
        p.drawText(r, Qt.AlignLeft | Qt.AlignVCenter, text)
        truth.append((kind, text, (r.x(), r.y(), r.x() + r.width(), r.y() + r.height())))
    p.end()
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : width * 3].reshape(img.height(), width, 3).copy(), truth


CONVERSATION = [
    ("customer", "你好，在吗？", "小王", "2026-12-01 10:02:11"),
    ("agent", "亲，在的，请问有什么可以帮您？", "客服小美", "2026-12-01 10:02:30"),
    ("customer", "我买的杯子收到就碎了，订单号 3254857712345678，怎么处理？", "小王", "2026-12-01 10:03:05"),
    ("agent", "非常抱歉给您添麻烦了，麻烦拍一下破损的照片发给我", "客服小美", "2026-12-01 10:03:40"),
    ("customer", "好的", "小王", "2026-12-01 10:04:02"),
]
