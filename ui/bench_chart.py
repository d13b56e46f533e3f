"""Draw docs/bench/latest.png from `kefu bench --out` JSON (QPainter, no plotting library).

    python -m ui.bench_chart docs/bench/latest.json docs/bench/latest.png
"""
from __future__ import annotations

import json
import math
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen  # noqa: E402

SERIES = [("客服助手 suggest", "#1565c0", lambda r: r["suggest_ms"]["p95"]),
          ("rapidfuzz 全量扫描", "#ef6c00", lambda r: r.get("baselines", {}).get("rapidfuzz_wratio_scan", {}).get("query_ms", {}).get("p95")),
          ("rank_bm25 + jieba", "#6a1b9a", lambda r: r.get("baselines", {}).get("rank_bm25_jieba", {}).get("query_ms", {}).get("p95"))]


def draw(report: dict, out_png: str, width: int = 900, height: int = 480) -> None:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    from ui.fonts import apply_cjk_font

    apply_cjk_font(app)
    img = QImage(width, height, QImage.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    font = QFont(app.font())
    font.setPointSize(11)
    p.setFont(font)
    left, top, right, bottom = 80, 60, width - 30, height - 70
    p.drawText(QRectF(0, 10, width, 30), Qt.AlignCenter, "每条消息的建议耗时 p95（毫秒，对数刻度；越低越好）")
    results = report["results"]
    values = [v for r in results for _, _, f in SERIES if (v := f(r))]
    top_v = 10 ** math.ceil(math.log10(max(values))) if values else 1000
    low_v = 10 ** math.floor(math.log10(max(min(values), 0.1))) if values else 1

    def y_of(v):
        frac = (math.log10(v) - math.log10(low_v)) / (math.log10(top_v) - math.log10(low_v))
        return bottom - frac * (bottom - top)

    p.setPen(QPen(QColor("#cfd8dc")))
    v = low_v
    while v <= top_v:
        y = y_of(v)
        p.drawLine(left, int(y), right, int(y))
        p.setPen(QColor("#607d8b"))
        p.drawText(QRectF(0, y - 10, left - 8, 20), Qt.AlignRight | Qt.AlignVCenter, f"{v:g}")
        p.setPen(QPen(QColor("#cfd8dc")))
        v *= 10
    group_w = (right - left) / max(1, len(results))
    bar_w = group_w / (len(SERIES) + 1.5)
    for gi, r in enumerate(results):
        x0 = left + gi * group_w + bar_w * 0.75
        for si, (name, color, f) in enumerate(SERIES):
            val = f(r)
            if not val:
                continue
            x = x0 + si * bar_w
            y = y_of(max(val, low_v))
            p.fillRect(QRectF(x, y, bar_w * 0.9, bottom - y), QColor(color))
            p.setPen(QColor("#263238"))
            p.drawText(QRectF(x - 10, y - 20, bar_w + 20, 18), Qt.AlignCenter, f"{val:.1f}")
        p.drawText(QRectF(left + gi * group_w, bottom + 6, group_w, 20), Qt.AlignCenter, f"{r['size']:,} 条话术")
    lx = left
    for name, color, _ in SERIES:
        p.fillRect(QRectF(lx, height - 32, 14, 14), QColor(color))
        p.setPen(QColor("#263238"))
        p.drawText(QRectF(lx + 20, height - 36, 220, 22), Qt.AlignLeft | Qt.AlignVCenter, name)
        lx += 250
    p.end()
    img.save(out_png)


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as fh:
        draw(json.load(fh), dst)
    print(dst)
