"""Draw the app icon (the tray's 客 on blue) and write resources/icons/kefu.png, .ico (Windows
exe) and .icns (macOS bundle). PNG-in-ICO and PNG-in-ICNS need no image library beyond Qt.

    .venv/bin/python packaging/make_icons.py
"""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int) -> bytes:
    img = QImage(size, size, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    p.setRenderHint(QPainter.TextAntialiasing)
    p.setBrush(QColor("#1e88e5"))
    p.setPen(Qt.NoPen)
    m = size / 32
    p.drawRoundedRect(QRectF(m, m, size - 2 * m, size - 2 * m), size * 0.22, size * 0.22)
    p.setPen(QColor("white"))
    f = QFont()
    f.setFamilies(["WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC"])
    f.setPixelSize(max(8, int(size * 0.6)))
    f.setBold(True)
    p.setFont(f)
    p.drawText(QRectF(0, 0, size, size), Qt.AlignCenter, "客")
    p.end()
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.WriteOnly)
    img.save(dev, "PNG")
    return bytes(buf)


def ico(images: dict[int, bytes]) -> bytes:
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in sorted(images.items()):
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        blobs += png
    return head + entries + blobs


def icns(images: dict[int, bytes]) -> bytes:
    types = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
    body = b"".join(types[s] + struct.pack(">I", 8 + len(png)) + png for s, png in sorted(images.items()) if s in types)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = {s: draw(s) for s in (16, 24, 32, 48, 64, 128, 256, 512)}
    (OUT / "kefu.png").write_bytes(sizes[256])
    (OUT / "kefu.ico").write_bytes(ico({s: sizes[s] for s in (16, 24, 32, 48, 64, 128, 256)}))
    (OUT / "kefu.icns").write_bytes(icns(sizes))
    print(f"wrote {OUT}/kefu.png, kefu.ico, kefu.icns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
