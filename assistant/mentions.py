"""Which goods a post to a helpdesk account is about: a small learned model.

A Weibo-style post (@某某客服 …) names many things in passing: the phone a carrier's plan runs on,
the app that crashed, a rival's model. Hand rules (assistant/entities.py) take the first mention
that is not in passing; on posts they were right for about 4 in 10 of the goods labellers marked.
This model scores every candidate mention (the product finder's spans and model codes such as T2,
mate7, s40) with a logistic regression over a few dozen features of where and how it is said, and
takes the best one when its probability clears a threshold, or none.

Trained by `kefu train` on the NTCIR turns of the labelled pool's train split (CC BY 4.0; JDDC is
research-only and never training input), full-batch gradient descent from zeros: the same weights
every run. Weights: resources/models/mention.json (a few hundred named weights). Chats that are not
posts keep the hand rules: on chat messages the model has nothing licensed to learn from.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant import paths

# a model code, with the maker said before it (锤子T2, 魅族mx4, 乐1s, vivoX5Max, Galaxy S4)
_MODEL = re.compile(r"(?:锤子|乐视|魅族|小米|华为|荣耀|三星|苹果|联想|中兴|酷派|乐|vivo|oppo|galaxy)?"
                    r"[A-Za-z]{1,6}\s?\d{1,4}[A-Za-z]{0,5}(?:\s?(?:pro|plus|max|note))?", re.IGNORECASE)
THRESHOLD = 0.3  # chosen on the tune split's NTCIR turns (product F1 0.41 -> 0.53; docs/reader.md)
L2, EPOCHS, STEP = 1e-3, 2000, 1.0
MIN_COUNT = 2  # a feature seen once in training is dropped


def default_model_path() -> Path:
    return paths.resources_dir() / "models" / "mention.json"


def candidates(raw: str, finder, rule_pick: str | None) -> list[tuple[str, dict[str, float]]]:
    """Each candidate mention of a post, with its features. ``rule_pick`` is what the hand rules
    chose (a feature: they are often right)."""
    from assistant import entities as E  # the post's shape is read the same way as by the rules

    post, body, searched = E.post_shape(raw)
    lead = len(raw) - len(body)
    spans = list(finder.spans(searched)) if finder is not None else []
    spans += [(m.start(), m.end()) for m in _MODEL.finditer(searched)]
    service = bool(E._SERVICE_TOPIC.search(raw))
    out: list[tuple[str, dict[str, float]]] = []
    seen: set[tuple[int, int]] = set()
    for start, end in spans:
        value = raw[start:end].strip()
        if not value or (start, end) in seen:
            continue
        seen.add((start, end))
        low = value.lower()
        opens = start <= lead + 1
        owned = bool(E._OWNED.search(raw[max(0, start - 4):start]))
        feats = {
            "bias": 1, "v=" + low: 1, "model": bool(re.search(r"[a-z0-9]", low)), "generic": low in E._GENERIC,
            "post": post, "opens": opens, "owned": owned, "passing": post and not opens and not owned,
            "service_generic": service and low in E._GENERIC, "service": service, "rule": value == rule_pick,
            f"k={min(len(out), 3)}": 1, f"pos={min(4, int(5 * (start - lead) / max(1, len(raw) - lead)))}": 1,
            "p1=" + raw[start - 1:start]: 1, "p2=" + raw[max(0, start - 2):start]: 1,
            "n1=" + raw[end:end + 1]: 1, "n2=" + raw[end:end + 2]: 1,
            f"len={min(5, len(raw) // 30)}": 1, "repeated": raw.count(value) > 1,
            f"cat={finder.category(value) if finder is not None else None}": 1, f"vlen={min(4, len(value))}": 1,
        }
        out.append((value, {k: float(v) for k, v in feats.items() if v}))
    return out


@dataclass
class MentionModel:
    weights: dict[str, float]
    threshold: float = THRESHOLD
    meta: dict = field(default_factory=dict)

    def prob(self, feats: dict[str, float]) -> float:
        z = sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def pick(self, raw: str, finder, rule_pick: str | None) -> str | None:
        """The goods the post is about, or None when no candidate is likely enough."""
        best, best_p = None, 0.0
        for value, feats in candidates(raw, finder, rule_pick):
            p = self.prob(feats)
            if p > best_p:
                best, best_p = value, p
        return best if best_p >= self.threshold else None

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"threshold": self.threshold, "meta": self.meta,
                "weights": {k: round(v, 6) for k, v in sorted(self.weights.items())}}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> "MentionModel":
        data = json.loads(Path(path or default_model_path()).read_text(encoding="utf-8"))
        weights = data["weights"]
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in weights.values()):
            raise ValueError("mention weights must be finite numbers")
        return cls({str(k): float(v) for k, v in weights.items()}, float(data.get("threshold", THRESHOLD)),
                   data.get("meta") or {})


def load_shipped() -> MentionModel | None:
    """The shipped weights, or None (the hand rules alone, with a log line) when missing or unreadable."""
    from assistant.errors import load_or_none

    return load_or_none(MentionModel.load, default_model_path(), "mention weights", "products in posts by hand rules")


def fit(posts: list[tuple[str, str | None]], finder, *, meta: dict | None = None) -> MentionModel:
    """Train on (message, the labelled product or None), posts and the replies under them alike:
    a candidate is positive when it is the labelled product, written the same way."""
    from assistant.entities import extract_entities

    rows: list[tuple[dict[str, float], float]] = []
    for raw, gold in posts:
        rule = extract_entities(raw, finder, use_model=False).get("product")
        rows += [(f, float(v == gold)) for v, f in candidates(raw, finder, rule)]
    counts: dict[str, int] = {}
    for f, _ in rows:
        for k in f:
            counts[k] = counts.get(k, 0) + 1
    vocab = sorted(k for k, n in counts.items() if n >= MIN_COUNT)
    index = {k: i for i, k in enumerate(vocab)}
    X = np.zeros((len(rows), len(vocab)))
    for i, (f, _) in enumerate(rows):
        for k, v in f.items():
            if k in index:
                X[i, index[k]] = v
    y = np.array([t for _, t in rows])
    w = np.zeros(len(vocab))
    for _ in range(EPOCHS if len(rows) else 0):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        w -= STEP * (X.T @ (p - y) / len(y) + L2 * w)
    m = dict(meta or {})
    m.update({"turns": len(posts), "candidates": len(rows), "positives": int(y.sum()),
              "params": {"l2": L2, "epochs": EPOCHS, "step": STEP, "min_count": MIN_COUNT}})
    return MentionModel({k: float(w[i]) for k, i in index.items() if abs(w[i]) > 1e-9}, THRESHOLD, m)
