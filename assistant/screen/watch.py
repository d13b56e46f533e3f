"""The screen-watch logic without Qt: is this frame different from the last one (a downscaled
difference, about a millisecond), and did a new customer message appear (OCR, bubbles, then the
newest customer bubble compared with the one handed on last time)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.screen.layout import Bubble, Line, group_bubbles, newest_customer

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
    return group_bubbles(visible_lines(ocr.lines(img), img.shape[0]), img, customer_side)


def visible_lines(lines: list[Line], h: int) -> list[Line]:
    """Drop a line cut by the area's top or bottom edge (half scrolled in): it is not read yet."""
    if not lines:
        return lines
    med = float(np.median([ln.height for ln in lines]))
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
