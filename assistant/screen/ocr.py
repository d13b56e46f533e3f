"""Offline OCR of a chat area: PP-OCRv4 detection and recognition through rapidocr-onnxruntime,
whose wheel carries the model files (nothing is downloaded, no socket is opened: tested in
tests/test_screen_ocr.py). It is an optional extra (`pip install -e '.[ocr]'`, which `make test`
does); without it ``ocr_status()`` says why and screen watch stays off.

Recognition is the slow half (~0.1 s a line on 2 cores), and a chat area mostly shows lines that
were read before, scrolled up a little. So each detected line's pixels, trimmed to the ink, are
hashed and recognised once; only new lines go through the recogniser.
"""
from __future__ import annotations

import hashlib
import logging
import sys
import threading
from collections import OrderedDict

import numpy as np

from assistant.screen.layout import Line

log = logging.getLogger(__name__)

MISSING = ("文字识别组件未安装，屏幕读取不可用：请安装 OCR 扩展"
           "（pip install 'kefu-assistant[ocr]' 后再 pip install --no-deps rapidocr-onnxruntime==1.4.4），"
           "或继续复制顾客消息")
MISSING_FROZEN = "这个版本没有带文字识别组件（看屏）：请换用带 OCR 的版本（make build-ocr），或继续复制顾客消息"


def ocr_status() -> tuple[bool, str]:
    """(usable, reason in Chinese when not) — without loading the models."""
    import importlib.util

    for mod in ("rapidocr_onnxruntime", "onnxruntime", "cv2"):
        try:
            found = importlib.util.find_spec(mod) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return False, MISSING_FROZEN if getattr(sys, "frozen", False) else MISSING
    return True, ""


def warm_up(ocr: "RapidOcr") -> None:
    """Load and run the models once on a small rendered-like line (the first run is ~1 s slower)."""
    img = np.full((40, 200, 3), 255, np.uint8)
    img[15:25, 20:180] = 0
    ocr.lines(img)


def _ink_key(crop: np.ndarray) -> bytes:
    """Hash of a line's pixels trimmed to where they differ from the crop's corner colour, so the
    same text a few pixels further up (the chat scrolled) or with a slightly different box hashes
    the same."""
    g = crop.astype(np.int16).sum(axis=2) if crop.ndim == 3 else crop.astype(np.int16)
    ink = np.abs(g - g[0, 0]) > 60
    ys, xs = np.nonzero(ink)
    if len(ys):
        g = g[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return hashlib.blake2b(g.tobytes() + bytes(str(g.shape), "ascii"), digest_size=16).digest()


class RapidOcr:
    """Lines of text in an RGB image. Thread-safe (one lock): call it off the GUI thread."""

    CACHE = 512

    def __init__(self, threads: int = 1):
        from rapidocr_onnxruntime import RapidOCR  # optional extra

        # one thread: on a 2-core machine that is also running the chat client and the browser,
        # two threads fighting for the cores were twice as slow as one (measured, docs/screen-watch.md).
        # limit_type "max": never upscale a chat area (the default scales the short side up to
        # 736 px, four times the work for screen text that is already sharp)
        self.engine = RapidOCR(det_limit_side_len=960, det_limit_type="max", use_cls=False,
                               intra_op_num_threads=threads, inter_op_num_threads=1)
        self._cache: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = {"detected": 0, "recognised": 0}

    def lines(self, img: np.ndarray, skip=None) -> list[Line]:
        """Lines of text, top to bottom. ``skip(img, boxes) -> [bool]`` may spare the recogniser
        lines that will be dropped anyway; they come back with ``skipped=True`` and no text."""
        with self._lock:
            return self._lines(img, skip)

    def _lines(self, img: np.ndarray, skip=None) -> list[Line]:
        e = self.engine
        bgr = np.ascontiguousarray(img[:, :, 2::-1])  # RGB → BGR, as the models were trained
        h, w = bgr.shape[:2]
        pre, rh, rw = e.preprocess(bgr)
        boxes, _ = e.text_det(pre)
        if boxes is None or len(boxes) == 0:
            return []
        boxes = e.sorted_boxes(boxes)
        rects = []
        for b in boxes:
            xs, ys = b[:, 0] * rw, b[:, 1] * rh
            rects.append((int(max(0, xs.min())), int(max(0, ys.min())), int(min(w, xs.max())), int(min(h, ys.max()))))
        skipped = skip(img, rects) if skip is not None else [False] * len(rects)
        crops = e.get_crop_img_list(pre, boxes)
        keys = [_ink_key(c) for c in crops]
        todo = [i for i, k in enumerate(keys) if k not in self._cache and not skipped[i]]
        if todo:
            res, _ = e.text_rec([crops[i] for i in todo])
            for i, r in zip(todo, res):
                self._cache[keys[i]] = (r[0], float(r[1]))
            while len(self._cache) > self.CACHE:
                self._cache.popitem(last=False)
        self.stats["detected"] += len(keys)
        self.stats["recognised"] += len(todo)
        out = []
        for box, k, sk in zip(rects, keys, skipped):
            if sk:
                out.append(Line("", box, 0.0, skipped=True))
                continue
            text, score = self._cache[k]
            self._cache.move_to_end(k)
            if score < e.text_score or not text.strip():
                continue
            out.append(Line(text, box, score))
        return out
