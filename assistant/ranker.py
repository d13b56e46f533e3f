"""The learned reply ranker: which of the candidate replies to put first.

The engine gathers candidate replies (the likely intents' replies and the full-text hits) and
describes each by a few numbers (``FEATURES``: how likely its intent is, how close the message is
to its phrasings, whether it is a general acknowledgement, whether it apologises to a calm
customer …). The holding reply ("收到，我这就帮您查") is not ranked: it is no answer, and the engine
puts it first only when the customer has just sent what a lookup needs. Without weights the engine adds them with hand-set weights (``HAND``); with the
shipped weights (resources/models/ranker.json, trained by `kefu train` from judged conversations
the project may train on: data/written/judged_para.jsonl and the judged NTCIR turns) the score is
the learned linear combination. Training maximises the probability, under a softmax over each
message's candidates, of the replies an experienced agent judged acceptable, and pushes the ones
judged harmful down (assistant/train.py: ``train_ranker``).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant import paths

FEATURES = [
    "p",            # the reader's probability of the reply's intent
    "top",          # the reply is of the message's most likely intent
    "lex",          # full-text match of the message words in the reply's phrasings (0..1)
    "sim",          # closeness of the message to the nearest phrasing (0..1)
    "p_sim",        # p × sim: close wording counts more inside a likely intent
    "stage",        # the reply's stage (pre-sale, after-sale …) is the message's
    "other_goods",  # the reply names other goods than the customer's (a penalty)
    "general",      # an acknowledgement, thanks/bye, greeting or clarifying reply
    "short_top",    # a very short message (leans on context) and a reply of its intent
    "first",        # the first reply of its intent in the knowledge base (its default)
    "pos",          # 1 / (1 + its place among its intent's replies)
    "asks",         # the reply asks the customer for information (an order number, a photo …)
    "apology_calm",  # it apologises and the customer is calm
    "apology_upset",  # it apologises and the customer is upset
    "states",       # number of order states it needs filled ({物流状态}, {时间} …), up to 3, / 3
    "length",       # its length, up to 200 characters, / 200
    "also",         # of the intent of the message's second question
    "ctx_sim",      # closeness to the customer's previous turn, for a short follow-up
    "sim_best",     # the closest phrasing among the candidates of its intent
    "lex_best",     # the best full-text match among the candidates of its intent
    "sim_gap",      # how far its closeness is below the best candidate's (0 for the best)
    "own_p",        # with context: the probability of its intent in the message read alone ("好的 那我再等等")
    "goods_guess",  # it is written for particular goods, and the customer has named none
    "words",        # share of the message's character pairs found in the reply's text or phrasings
    "ctx_words",    # the same for the customer's previous turn
]

# hand weights: the engine's scoring before it learned (and when no weights ship)
HAND = {"p": 0.5, "lex": 0.15, "sim": 0.3, "stage": 0.03, "other_goods": -0.15}


def default_model_path() -> Path:
    return paths.resources_dir() / "models" / "ranker.json"


@dataclass
class Ranker:
    weights: dict[str, float]
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self._w = np.array([float(self.weights.get(f, 0.0)) for f in FEATURES])

    def score(self, feats: dict[str, float]) -> float:
        return float(sum(self.weights.get(k, 0.0) * v for k, v in feats.items()))

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Scores of the rows of a feature matrix (``matrix``)."""
        return X @ self._w

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"features": FEATURES, "weights": {k: round(self.weights.get(k, 0.0), 6) for k in FEATURES},
                "meta": self.meta}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> "Ranker":
        data = json.loads(Path(path or default_model_path()).read_text(encoding="utf-8"))
        weights = data["weights"]
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown ranker features: {sorted(unknown)}")
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in weights.values()):
            raise ValueError("ranker weights must be finite numbers")
        return cls({k: float(v) for k, v in weights.items()}, data.get("meta") or {})


def add_relative(feats: list[tuple[int, dict]], rows, late: frozenset = frozenset()) -> None:
    """Features that compare a candidate with the others (in place): is it the closest of its
    intent, and how far below the closest overall is it.

    The bar is set by the candidates the ranker learned with: a reply in ``late`` (all its
    phrasings added after the models learned) is compared with it but does not raise it, so a
    close new reply does not push the others down."""
    best_sim: dict[str, float] = {}
    best_lex: dict[str, float] = {}
    top = 0.0
    for rid, f in feats:
        if rid in late:
            continue
        intent = rows[rid]["intent"]
        best_sim[intent] = max(best_sim.get(intent, 0.0), f["sim"])
        best_lex[intent] = max(best_lex.get(intent, 0.0), f["lex"])
        top = max(top, f["sim"])
    for rid, f in feats:
        intent = rows[rid]["intent"]
        f["sim_best"] = 1.0 if f["sim"] > 0 and f["sim"] >= best_sim.get(intent, 0.0) else 0.0
        f["lex_best"] = 1.0 if f["lex"] > 0 and f["lex"] >= best_lex.get(intent, 0.0) else 0.0
        f["sim_gap"] = max(0.0, top - f["sim"])


_WORDCHAR = re.compile(r"[^\W\d_]", re.UNICODE)


def bigrams(s: str) -> set[str]:
    """Adjacent pairs of word characters (digits and masking marks left out)."""
    chars = [c if _WORDCHAR.match(c) else " " for c in s]
    return {chars[i] + chars[i + 1] for i in range(len(chars) - 1) if chars[i] != " " and chars[i + 1] != " "}


def overlap(message: set[str], reply: frozenset | set) -> float:
    return len(message & reply) / len(message) if message else 0.0


def hand_score(feats: dict[str, float]) -> float:
    return sum(w * feats.get(k, 0.0) for k, w in HAND.items())


def matrix(rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[r.get(f, 0.0) for f in FEATURES] for r in rows], dtype=np.float64)


def fit(lists: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *, l2: float = 1e-3, epochs: int = 400,
        harm_weight: float = 1.0) -> dict[str, float]:
    """Listwise softmax over each message's candidates. ``lists``: (features n×d, ok mask, harmful
    mask) per message; the target spreads evenly over the acceptable candidates, and a harmful
    candidate's probability is pushed down by ``harm_weight`` × −log(1 − p). Full-batch gradient
    descent (Adam, fixed schedule, the step a tenth for the last quarter), so every run gives the
    same weights."""
    d = len(FEATURES)
    w = np.array([float(HAND.get(f, 0.0)) for f in FEATURES])  # start from the hand weights
    if not lists:
        return {f: float(w[i]) for i, f in enumerate(FEATURES)}
    X = np.vstack([x for x, _, _ in lists])
    sizes = np.array([len(x) for x, _, _ in lists])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    group = np.repeat(np.arange(len(lists)), sizes)
    target = np.concatenate([ok / ok.sum() for _, ok, _ in lists])
    harm = np.concatenate([h.astype(float) for _, _, h in lists])
    n = len(lists)
    m = np.zeros(d)
    v = np.zeros(d)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for t in range(1, epochs + 1):
        s = X @ w
        s = s - np.maximum.reduceat(s, starts)[group]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[group]
        resid = p - target
        if harm_weight:
            # d/dw of -log(1 - p_h) = p_h / (1 - p_h) * (x_h - E_p[x])
            c = harm * p / np.maximum(1 - p, 1e-9)
            ctot = np.add.reduceat(c, starts)[group]  # per message: sum over its harmful candidates
            resid = resid + harm_weight * (c - ctot * p)
        g = X.T @ resid / n + 2 * l2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        step = lr * (0.1 if t > epochs * 0.75 else 1.0)
        w -= step * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
    return {f: float(w[i]) for i, f in enumerate(FEATURES)}
