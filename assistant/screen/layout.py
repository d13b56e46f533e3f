"""From OCR lines to chat bubbles: who said what.

A chat area is a column of bubbles: the customer's on one side (left in every client we target),
the agent's on the other, each bubble on a coloured background, with nick/time headers and system
notices on the plain background between them. We decide per line:
  - header: the text is a nick/time stamp (headers.is_header_line), or — in a client that draws
    bubbles — a short line on the plain background;
  - side: which margin the line is nearer to; a line that spans the area (long bubble) takes the
    side whose bubble colour its background matches;
and group consecutive lines of one side and one background into a bubble.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.screen.headers import is_header_line, strip_line


@dataclass
class Line:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the area image
    score: float = 1.0
    bg: tuple[int, int, int] | None = None  # background colour around the text (RGB)
    skipped: bool = False  # not recognised (a header on the plain background): only a separator

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@dataclass
class Bubble:
    role: str  # "customer" | "agent"
    text: str
    box: tuple[int, int, int, int]
    lines: list[Line] = field(default_factory=list)

    def as_turn(self) -> dict:
        return {"role": self.role, "text": self.text}


def background(img: np.ndarray) -> tuple[int, int, int]:
    """The area's plain background: the most common colour (quantised to 8 levels a channel)."""
    q = (img[::4, ::4, :3] // 8).reshape(-1, 3).astype(np.int32)
    keys = q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2]
    k = int(np.bincount(keys).argmax())
    return (k // 1024 * 8 + 4, (k // 32) % 32 * 8 + 4, k % 32 * 8 + 4)


def line_background(img: np.ndarray, box: tuple[int, int, int, int], pad: int = 3) -> tuple[int, int, int]:
    """The colour just around a line of text: the median of a thin frame outside its box (text
    pixels are inside, so the frame is the bubble, or the plain background)."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
    x1, y1 = min(w, x1 + pad), min(h, y1 + pad)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return (255, 255, 255)
    top, bottom = img[y0, x0:x1, :3], img[y1 - 1, x0:x1, :3]
    left, right = img[y0:y1, x0, :3], img[y0:y1, x1 - 1, :3]
    frame = np.concatenate([top, bottom, left, right]).astype(np.int32)
    return tuple(int(v) for v in np.median(frame, axis=0))


def _dist(a, b) -> float:
    return float(sum((int(x) - int(y)) ** 2 for x, y in zip(a, b)) ** 0.5)


SAME_COLOUR = 24.0  # RGB distance under which two backgrounds are the same fill


def side_of(line: Line, width: int) -> str | None:
    """"left" / "right" by the nearer margin; None when the line spans the area (too close to call)."""
    x0, _, x1, _ = line.box
    left_gap, right_gap = x0, width - x1
    if abs(left_gap - right_gap) < width * 0.06:
        return None
    return "left" if left_gap < right_gap else "right"


def group_bubbles(lines: list[Line], img: np.ndarray, customer_side: str = "left") -> list[Bubble]:
    """Bubbles top to bottom. ``img`` is the area (H×W×3 RGB); ``lines`` as OCR found them."""
    if not lines:
        return []
    h, w = img.shape[:2]
    bg = background(img)
    lines = sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))
    for ln in lines:
        if ln.bg is None:
            ln.bg = line_background(img, ln.box)
    on_fill = [ln for ln in lines if ln.skipped or _dist(ln.bg, bg) > SAME_COLOUR]
    bubbles_drawn = len(on_fill) >= 1 and len(on_fill) >= 0.3 * len(lines)
    # 1. lines into bubbles: consecutive lines on the same fill, close together, no header between
    groups: list[list[Line]] = []
    cur: list[Line] | None = None
    last_y1 = -10**9
    for ln in lines:
        text = ln.text.strip()
        if ln.skipped:
            cur = None
            continue
        if not text:
            continue
        if is_header_line(text) or (bubbles_drawn and _dist(ln.bg, bg) <= SAME_COLOUR):
            cur = None  # a header or notice always ends a message
            continue
        gap = ln.box[1] - last_y1
        if cur is not None and _dist(ln.bg, cur[-1].bg) <= SAME_COLOUR and gap < max(6, 0.9 * ln.height) \
                and _overlap(ln.box, _union(cur)) > 0:
            cur.append(ln)
        else:
            cur = [ln]
            groups.append(cur)
        last_y1 = ln.box[3]
    # 2. the side of each bubble, from its widest extent (a wrapped bubble's short last line sits
    # on the bubble's left edge even on the right side); bubbles too wide to tell take the side
    # whose fill colour they share
    sides = [side_of(Line("", _union(g)), w) for g in groups]
    colours: dict[str, list] = {"left": [], "right": []}
    for g, sd in zip(groups, sides):
        if sd:
            colours[sd].append(g[0].bg)
    mean = {k: tuple(np.mean(c, axis=0)) if c else None for k, c in colours.items()}
    out: list[Bubble] = []
    for g, sd in zip(groups, sides):
        if sd is None:
            cands = [(k, _dist(g[0].bg, m)) for k, m in mean.items() if m is not None]
            sd = min(cands, key=lambda kv: kv[1])[0] if cands else customer_side
        text = ""
        for ln in g:
            t = strip_line(ln.text.strip())
            text = text + _sep(text, t) + t if text else t
        out.append(Bubble("customer" if sd == customer_side else "agent", text, _union(g), list(g)))
    return out


def _union(lines: list[Line]) -> tuple[int, int, int, int]:
    return (min(ln.box[0] for ln in lines), min(ln.box[1] for ln in lines),
            max(ln.box[2] for ln in lines), max(ln.box[3] for ln in lines))


def _overlap(a, b) -> int:
    """Horizontal overlap of two boxes, in pixels (negative: apart)."""
    return min(a[2], b[2]) - max(a[0], b[0])


def _sep(prev: str, nxt: str) -> str:
    """A wrapped line continues the sentence. A line break the customer typed cannot be told from
    a wrap on screen, so lines are joined as they are (a number wrapped mid-way stays one number)
    and only Latin words get a space."""
    return " " if prev[-1:].isascii() and prev[-1:].isalpha() and nxt[:1].isascii() and nxt[:1].isalpha() else ""


def plain_lines(img: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[bool]:
    """Before recognition: which detected lines sit on the plain background of a client that draws
    bubbles (headers, times, notices — dropped anyway, so not worth recognising)."""
    if not boxes:
        return []
    bg = background(img)
    plain = [_dist(line_background(img, b), bg) <= SAME_COLOUR for b in boxes]
    on_fill = len(plain) - sum(plain)
    return plain if on_fill >= 1 and on_fill >= 0.3 * len(plain) else [False] * len(plain)


def newest_customer(bubbles: list[Bubble], context: int = 6) -> tuple[Bubble | None, list[Bubble]]:
    """The last customer bubble and up to ``context`` bubbles above it (oldest first)."""
    for i in range(len(bubbles) - 1, -1, -1):
        if bubbles[i].role == "customer":
            return bubbles[i], bubbles[max(0, i - context):i]
    return None, []
