"""Pick a font that has CJK glyphs, so Chinese never renders as boxes."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

PREFERRED = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
             "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei"]


def apply_cjk_font(app, point_size: int = 10) -> str | None:
    families = set(QFontDatabase.families())
    for name in PREFERRED:
        if name in families:
            app.setFont(QFont(name, point_size))
            return name
    for name in sorted(families):  # anything that can write 中文
        if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(name):
            app.setFont(QFont(name, point_size))
            return name
    return None
