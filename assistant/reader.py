"""The learned reader: linear models over character n-grams, context turns and cue hits.

Three small softmax models share one featuriser: intent (30 ids), emotion (6 ids) and urgency
(yes/no). They are trained by `kefu train` (assistant/train.py) from files in the repo and shipped
as `resources/models/reader.npz`; inference is a sum of weight rows (numpy), well under a
millisecond per message.

Features (all hashed-free: the vocabulary is stored with the weights):
- character 1-, 2- and 3-grams of the cleaned message (masking tokens as #订单, #数字 …), with
  start/end marks, so 在吗 at the start and 吗 at the end are different evidence;
- a length bucket and a few shape marks (!!, ???, ends in a question particle);
- character bigrams of the last two context turns (customer and unknown turns as ``k:``, agent
  turns as ``a:``), weighted up when the message is too short to stand on its own;
- the hand-written cue hits of resources/kb/lexicon.yaml as ``lex:<label>`` (kept where they win
  on validation: see docs/reader.md).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant import paths

SHORT_CHARS = 6  # a message with at most this many word characters leans on its context
_WORD = re.compile(r"[^\W_]")
_QUESTION_END = re.compile(r"(吗|么|嘛|呢|没|不|啊|\?)[?!。~\s]*$")


def default_model_path() -> Path:
    return paths.resources_dir() / "models" / "reader.npz"


def content_len(clean: str) -> int:
    return len(_WORD.findall(clean))


def _grams(s: str, prefix: str, weight: float, out: dict[str, float], orders=(1, 2, 3)) -> None:
    s = re.sub(r"\s+", " ", s).strip()
    if not s:
        return
    padded = "^" + s + "$"
    for n in orders:
        if n == 1:
            for ch in s:
                if ch != " ":
                    key = prefix + "1" + ch
                    out[key] = out.get(key, 0.0) + weight
            continue
        for i in range(len(padded) - n + 1):
            g = padded[i:i + n]
            if " " in g:
                continue
            key = prefix + str(n) + g
            out[key] = out.get(key, 0.0) + weight


def featurize(clean: str, context: list[tuple[str, str]] | None = None,
              cues: dict[str, float] | None = None, raw: str = "") -> dict[str, float]:
    """Feature name -> value for one message. ``context``: (role, cleaned text), oldest first."""
    feats: dict[str, float] = {}
    n = content_len(clean)
    _grams(clean[:200], "m", 1.0, feats)
    # a repeated n-gram (啊啊啊啊…) counts at most twice, and long messages have many n-grams:
    # scale so that length alone does not decide
    if feats:
        scale = 1.0 / max(1.0, (len(feats) / 40.0) ** 0.5)
        for k, v in feats.items():
            feats[k] = (min(2.0, 1.0 + math.log(v)) if v > 1.0 else v) * scale
    feats["len:" + ("0" if n == 0 else "1" if n <= 2 else "2" if n <= SHORT_CHARS else "3" if n <= 15 else "4")] = 1.0
    src = raw or clean
    if "!!" in src or "！！" in src:
        feats["shape:bang2"] = 1.0
    if re.search(r"\?{2,}|？{2,}", src):
        feats["shape:q2"] = 1.0
    if _QUESTION_END.search(clean):
        feats["shape:qend"] = 1.0
    if context:
        lean = 1.0 if n <= SHORT_CHARS else 0.35
        for age, (role, turn) in enumerate(reversed(context[-2:])):
            w = lean * (0.6 if age == 0 else 0.3)
            _grams(turn[:120], "a" if role == "agent" else "k", w, feats, orders=(2,))
        feats["ctx:" + ("short" if n <= SHORT_CHARS else "long")] = 1.0
    for label, v in (cues or {}).items():
        feats["lex:" + label] = min(v, 3.0) / 3.0
    return feats


@dataclass
class LinearModel:
    """Softmax regression: ``classes``, ``vocab`` (feature -> row) and weights ``W`` (+ bias ``b``)."""
    classes: list[str]
    vocab: dict[str, int]
    W: np.ndarray  # (len(vocab), len(classes)) float32
    b: np.ndarray  # (len(classes),)

    def logits(self, feats: dict[str, float]) -> np.ndarray:
        rows, vals = [], []
        for k, v in feats.items():
            i = self.vocab.get(k)
            if i is not None:
                rows.append(i)
                vals.append(v)
        z = self.b.astype(np.float64).copy()
        if rows:
            z += np.asarray(vals, dtype=np.float64) @ self.W[rows].astype(np.float64)
        return z

    def proba(self, feats: dict[str, float]) -> dict[str, float]:
        z = self.logits(feats)
        z = np.exp(z - z.max())
        p = z / z.sum()
        return {c: float(p[i]) for i, c in enumerate(self.classes)}


class Reader:
    """The three models, loaded from one .npz file."""

    def __init__(self, models: dict[str, LinearModel], meta: dict | None = None):
        self.models = models
        self.meta = meta or {}

    @property
    def intent(self) -> LinearModel:
        return self.models["intent"]

    @property
    def emotion(self) -> LinearModel:
        return self.models["emotion"]

    @property
    def urgent(self) -> LinearModel:
        return self.models["urgent"]

    def save(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        header = {"meta": self.meta, "models": {}}
        for name, m in self.models.items():
            feats = sorted(m.vocab, key=m.vocab.get)
            header["models"][name] = {"classes": m.classes, "features": feats}
            arrays[name + "_W"] = m.W.astype(np.float16)
            arrays[name + "_b"] = m.b.astype(np.float32)
        arrays["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Reader":
        path = Path(path) if path else default_model_path()
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(bytes(z["header"]).decode("utf-8"))
            models = {}
            for name, spec in header["models"].items():
                models[name] = LinearModel(
                    classes=list(spec["classes"]),
                    vocab={f: i for i, f in enumerate(spec["features"])},
                    W=z[name + "_W"].astype(np.float32), b=z[name + "_b"].astype(np.float32))
        return cls(models, header.get("meta"))


NEUTRAL_TOPICS = ("greeting", "thanks_bye", "other")  # say nothing about what a follow-up is about


def with_topic(p_msg: dict[str, float], p_ctx: dict[str, float] | None, weight: float) -> dict[str, float]:
    """Mix the message's own reading with the conversation's topic (the same model read over the
    earlier turns): log p = log p_msg + weight * log p_ctx. Openings, closings and 'other' in the
    context carry no topic, so they are flattened first."""
    if not p_ctx or weight <= 0:
        return p_msg
    flat = sum(p_ctx.get(k, 0.0) for k in NEUTRAL_TOPICS) / len(NEUTRAL_TOPICS)
    logits = {}
    for k, p in p_msg.items():
        q = flat if k in NEUTRAL_TOPICS else p_ctx.get(k, 0.0)
        logits[k] = float(np.log(max(p, 1e-9)) + weight * np.log(max(q, 1e-4)))
    top = max(logits.values())
    exps = {k: float(np.exp(v - top)) for k, v in logits.items()}
    total = sum(exps.values())
    return {k: v / total for k, v in exps.items()}


def topic_weight(n_chars: int, short: float, long: float) -> float:
    return short if n_chars <= SHORT_CHARS else long
