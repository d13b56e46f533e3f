"""The screen-watch logic without Qt: is this frame different from the last one (a downscaled
difference, about a millisecond), and did a new customer message appear (OCR, bubbles, then the
newest customer bubble compared with the one handed on last time)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.screen.layout import Bubble, Line, group_bubbles, newest_customer, plain_lines

THUMB = 8  # one thumbnail pixel per 8×8 screen pixels


def thumb(img: np.ndarray, factor: int = THUMB) -> np.ndarray:
    """Grey, mean-pooled thumbnail of an RGB(A) frame."""
    h, w = img.shape[:2]
    h2, w2 = max(1, h // factor), max(1, w // factor)
    g = img[: h2 * factor, : w2 * factor, :3].astype(np.uint16).sum(axis=2)
    return g.reshape(h2, factor, w2, factor).mean(axis=(1, 3), dtype=np.float32) / 3


def differs(a: np.ndarray | None, b: np.ndarray | None, level: float = 6.0) -> bool:
    """True when any thumbnail pixel moved by more than ``level`` grey levels (a new line of text
    moves many; a blinking caret or anti-aliasing noise moves none that far once averaged)."""
    if a is None or b is None or a.shape != b.shape:
        return True
    return bool(np.abs(a - b).max() > level)


def _norm(text: str) -> str:
    return re.sub(r"[\s，。,.!！?？~～…]+", "", text)


@dataclass
class ChatRead:
    bubbles: list[Bubble]
    message: Bubble | None = None  # the newest customer bubble, when it is new
    context: list[Bubble] = field(default_factory=list)

    @property
    def turns(self) -> list[dict]:
        return [b.as_turn() for b in self.context]


def ocr_bubbles(ocr, img: np.ndarray, customer_side: str = "left") -> list[Bubble]:
    """OCR an area image and group its lines into bubbles."""
    return group_bubbles(visible_lines(ocr.lines(img, skip=plain_lines), img.shape[0]), img, customer_side)


def visible_lines(lines: list[Line], h: int) -> list[Line]:
    """Drop a line cut by the area's top or bottom edge (half scrolled in): it is not read yet."""
    if not lines:
        return lines
    med = float(np.median([ln.height for ln in lines if not ln.skipped] or [ln.height for ln in lines]))
    return [ln for ln in lines if not ((ln.box[1] <= 1 or ln.box[3] >= h - 1) and ln.height < 0.75 * med)]


class ChatReader:
    """Bubbles in, new customer messages out. One per chat window."""

    def __init__(self, context: int = 6):
        self.context = context
        self._pairs: set[tuple[str, str]] = set()  # (bubble above, customer bubble) seen so far
        self._texts: set[str] = set()

    def reset(self) -> None:
        self._pairs.clear()
        self._texts.clear()

    def update(self, bubbles: list[Bubble]) -> ChatRead:
        newest, ctx = newest_customer(bubbles, self.context)
        out = ChatRead(bubbles)
        if newest is None:
            return out
        # new = not seen before after the same bubble (the same "好的" after a new reply is new;
        # an old message whose predecessor scrolled out of view is not)
        prev = _norm(ctx[-1].text) if ctx else None
        text = _norm(newest.text)
        fresh = (prev, text) not in self._pairs if prev is not None else text not in self._texts
        for i, b in enumerate(bubbles):
            if b.role == "customer":
                self._texts.add(_norm(b.text))
                if i:
                    self._pairs.add((_norm(bubbles[i - 1].text), _norm(b.text)))
        if fresh:
            out.message, out.context = newest, ctx
        return out


def row_signature(img: np.ndarray) -> np.ndarray:
    """One number per pixel row (the sum of its values): equal rows, equal numbers."""
    return img[:, :, :3].sum(axis=(1, 2), dtype=np.int64)


def scroll_shift(old: np.ndarray, new: np.ndarray, min_rows: int = 8) -> int | None:
    """How many rows the content moved up from ``old`` to ``new`` (row signatures), or None when
    the two do not line up (another conversation, a resized window). Rows of plain background
    match anywhere, so only rows with content count."""
    h = len(old)
    if h != len(new) or h < 4:
        return None
    vals, counts = np.unique(old, return_counts=True)
    plain = vals[counts.argmax()]
    best, best_n = None, 0
    for dy in range(0, h - min_rows):
        a, b = new[: h - dy], old[dy:]
        content = b != plain
        n = int(content.sum())
        if n < min_rows:
            continue
        same = int(((a == b) & content).sum())
        if same >= 0.97 * n and same > best_n:
            best, best_n = dy, same
            if same == n and dy == 0:
                break
    return best


class AreaReader:
    """OCR of one chat area, frame after frame. When the chat only scrolled and added at the
    bottom, the lines read before move up with it and only the new strip is detected and read
    (detection of a strip takes a fifth of the whole area's time)."""

    PAD = 6  # rows above the first changed row that are read again (a line cut by the change)

    def __init__(self, ocr):
        self.ocr = ocr
        self.sig: np.ndarray | None = None
        self.lines: list[Line] = []
        self.stats = {"full": 0, "strip": 0}

    def read(self, img: np.ndarray) -> list[Line]:
        sig = row_signature(img)
        h = img.shape[0]
        dy = scroll_shift(self.sig, sig) if self.sig is not None else None
        if dy is None:
            top = 0
        else:
            changed = np.nonzero(sig[: h - dy] != self.sig[dy:])[0]
            first = int(changed[0]) if len(changed) else h - dy
            top = max(0, first - self.PAD)
            # never cut through a line read before: start the strip above it (it is read again)
            for ln in sorted(self.lines, key=lambda ln: -ln.box[1]):
                y0, y1 = ln.box[1] - dy, ln.box[3] - dy
                if y0 < top < y1 + self.PAD:
                    top = max(0, y0 - self.PAD)
        if top < 24:  # most of it changed: read it all
            lines = self.ocr.lines(img, skip=plain_lines)
            self.stats["full"] += 1
        else:
            kept = []
            for ln in self.lines:
                x0, y0, x1, y1 = ln.box
                if y0 - dy >= 0 and y1 - dy <= top:
                    kept.append(Line(ln.text, (x0, y0 - dy, x1, y1 - dy), ln.score, None, ln.skipped))
            new = self.ocr.lines(np.ascontiguousarray(img[top:]), skip=plain_lines) if top < h else []
            for ln in new:
                x0, y0, x1, y1 = ln.box
                ln.box = (x0, y0 + top, x1, y1 + top)
            lines = kept + new
            self.stats["strip"] += 1
        self.sig = sig
        self.lines = lines
        return lines

    def bubbles(self, img: np.ndarray, customer_side: str = "left") -> list[Bubble]:
        return group_bubbles(visible_lines([Line(ln.text, ln.box, ln.score, None, ln.skipped) for ln in self.read(img)],
                                           img.shape[0]), img, customer_side)
