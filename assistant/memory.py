"""The verdict memory: replies judged harmful for a message close to this one are not offered.

The project wrote thousands of shop-chat messages (data/shop/tune*.jsonl) and had every reply the
engine showed for them judged by two experienced-agent judges (data/shop/judged.jsonl). Many
situations come back in other words in later halves ("买错型号了 能换成14的吗" in four of them), and
a gate written by hand for one wording rarely fires on the next (docs/reader.md, "Fifty-fifth
pass"). The memory generalises from the verdicts themselves: when a new message is close to a
judged one (cosine of character-pair tf-idf vectors, the message alone, at least ``theta``) and a
candidate reply was judged harmful there, and none of the close judged messages found it
sendable, the engine drops the candidate after ranking. The ranker's features and training are
untouched. The same verdicts, counted per reply over every judged message (``record``), lower a
little the score of a reply judged harmful more often than sendable, wherever it is offered.

Built by `kefu train` (``build`` below) from the tune halves only, never the validation half, into
resources/models/memory.npz (vocabulary, idf, inverted postings of the normalised vectors, and each
message's harmful and sendable reply codes). Loading is a few array reads; a query costs a few
numpy additions over the postings of its character pairs (under 0.2 ms).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant import paths

THETA = 0.4  # chosen on the tune side (fifty-fifth pass): 0.3 … 0.5 all lowered harmful tops out of sample
DF_CUT = 0.05  # character pairs in more than this share of the messages (了吗, 亲亲) carry no situation
# the reply record (``VerdictMemory.record``): log((sendable + s) / (harmful + s)) over all judged
# messages, only where harmful outnumber sendable (chosen on the tune side, fifty-eighth pass: of
# eight settings, the one that lowered harmful tops and lists without losing sendable tops)
RECORD_SMOOTH = 5.0

_NOT_WORD = re.compile(r"[^\w]+")


def default_model_path() -> Path:
    return paths.resources_dir() / "models" / "memory.npz"


def normalise(message: str) -> str:
    """Lower case, punctuation, spaces and emoji gone: what the character pairs are taken from."""
    return _NOT_WORD.sub("", (message or "").lower())


def pairs(message: str) -> Counter:
    s = normalise(message)
    return Counter(s[i:i + 2] for i in range(len(s) - 1))


@dataclass
class Judged:
    """One judged message of the memory: its text and the reply codes judged harmful / sendable."""
    message: str
    harmful: tuple[str, ...]
    sendable: tuple[str, ...]


class VerdictMemory:
    def __init__(self, vocab: list[str], idf: np.ndarray, post_ptr: np.ndarray, post_entry: np.ndarray,
                 post_w: np.ndarray, codes: list[str], harm_ptr: np.ndarray, harm_code: np.ndarray,
                 ok_ptr: np.ndarray, ok_code: np.ndarray, theta: float = THETA):
        self.vocab = {g: i for i, g in enumerate(vocab)}
        self.idf, self.post_ptr, self.post_entry, self.post_w = idf, post_ptr, post_entry, post_w
        self.codes = codes
        self.harm_ptr, self.harm_code, self.ok_ptr, self.ok_code = harm_ptr, harm_code, ok_ptr, ok_code
        self.theta = theta
        self.size = len(harm_ptr) - 1
        self._record: dict[str, float] | None = None

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, judged: list[Judged], theta: float = THETA, df_cut: float = DF_CUT) -> "VerdictMemory":
        grams = [pairs(j.message) for j in judged]
        n = len(judged)
        df = Counter()
        for g in grams:
            df.update(g.keys())
        vocab = sorted(k for k, c in df.items() if c <= max(2.0, df_cut * n))  # (a handful of messages: keep all)
        index = {g: i for i, g in enumerate(vocab)}
        idf = np.array([math.log(1 + n / (1 + df[g])) for g in vocab], dtype=np.float64)
        postings: list[list[tuple[int, float]]] = [[] for _ in vocab]
        for e, g in enumerate(grams):
            for k, w in _unit({index[k]: c * idf[index[k]] for k, c in g.items() if k in index}).items():
                postings[k].append((e, w))
        post_ptr = np.zeros(len(vocab) + 1, dtype=np.int32)
        post_ptr[1:] = np.cumsum([len(p) for p in postings])
        post_entry = np.array([e for p in postings for e, _ in p], dtype=np.int32)
        post_w = np.array([w for p in postings for _, w in p], dtype=np.float32)
        codes = sorted({c for j in judged for c in (*j.harmful, *j.sendable)})
        cid = {c: i for i, c in enumerate(codes)}

        def csr(lists):
            ptr = np.zeros(len(lists) + 1, dtype=np.int32)
            ptr[1:] = np.cumsum([len(x) for x in lists])
            return ptr, np.array([cid[c] for x in lists for c in sorted(set(x))], dtype=np.int32)

        harm_ptr, harm_code = csr([j.harmful for j in judged])
        ok_ptr, ok_code = csr([j.sendable for j in judged])
        return cls(vocab, idf, post_ptr, post_entry, post_w, codes, harm_ptr, harm_code, ok_ptr, ok_code, theta)

    def save(self, path: Path) -> None:
        vocab = sorted(self.vocab, key=self.vocab.get)
        with open(path, "wb") as f:  # np.savez_compressed(path) would append .npz to any other name
            np.savez_compressed(f, vocab=np.array(vocab, dtype="<U2"), idf=self.idf.astype(np.float32),
                                post_ptr=self.post_ptr, post_entry=self.post_entry, post_w=self.post_w,
                                codes=np.array(self.codes), harm_ptr=self.harm_ptr, harm_code=self.harm_code,
                                ok_ptr=self.ok_ptr, ok_code=self.ok_code, theta=np.array([self.theta]))

    @classmethod
    def load(cls, path: Path | None = None) -> "VerdictMemory":
        with np.load(Path(path or default_model_path()), allow_pickle=False) as z:
            m = cls([str(g) for g in z["vocab"]], z["idf"].astype(np.float64), z["post_ptr"], z["post_entry"],
                    z["post_w"], [str(c) for c in z["codes"]], z["harm_ptr"], z["harm_code"], z["ok_ptr"],
                    z["ok_code"], float(z["theta"][0]))
        n = m.size
        if (len(m.post_ptr) != len(m.vocab) + 1 or len(m.idf) != len(m.vocab) or len(m.post_entry) != len(m.post_w)
                or (len(m.post_entry) and not (0 <= m.post_entry.min() and m.post_entry.max() < n))
                or int(m.post_ptr[-1]) != len(m.post_entry) or not np.all(np.isfinite(m.post_w))):
            raise ValueError("verdict memory arrays do not fit together")
        return m

    # -- asking ---------------------------------------------------------------------------
    def record(self) -> dict[str, float]:
        """Each reply's judged record, whatever the message: log((sendable + s) / (harmful + s))
        over the judged messages where it was judged (s = RECORD_SMOOTH), for the replies judged
        harmful more often than sendable (0 for the others, so a good record lifts nothing). 先问需求
        judged harmful 29 times and never sendable scores −1.9; a reply judged harmful once, −0.2.
        The engine lowers each candidate's score by a small multiple of it (Engine.RECORD_WEIGHT)."""
        if self._record is None:
            n = len(self.codes)
            ok, harm = np.bincount(self.ok_code, minlength=n), np.bincount(self.harm_code, minlength=n)
            lo = np.log((ok + RECORD_SMOOTH) / (harm + RECORD_SMOOTH))
            self._record = {c: float(v) for c, v in zip(self.codes, lo) if v < 0}
        return self._record

    def harmful_here(self, message: str) -> set[str]:
        """Reply codes judged harmful for a judged message at least ``theta`` close to this one,
        and sendable for none of those close messages (one sendable verdict close by is a veto:
        "转人工" judged harmful where the customer wanted a real person and sendable where the
        customer only asked for one keeps its reply; fifty-fifth pass)."""
        q = _unit({self.vocab[k]: c * self.idf[self.vocab[k]] for k, c in pairs(message).items() if k in self.vocab})
        if not q or self.size == 0:
            return set()
        sims = np.zeros(self.size, dtype=np.float32)
        for k, w in q.items():
            a, b = self.post_ptr[k], self.post_ptr[k + 1]
            sims[self.post_entry[a:b]] += w * self.post_w[a:b]  # an entry appears once per pair
        close = np.flatnonzero(sims >= self.theta)
        if not len(close):
            return set()
        harm: set[int] = set()
        ok: set[int] = set()
        for e in close:
            harm.update(int(c) for c in self.harm_code[self.harm_ptr[e]:self.harm_ptr[e + 1]])
            ok.update(int(c) for c in self.ok_code[self.ok_ptr[e]:self.ok_ptr[e + 1]])
        return {self.codes[c] for c in harm if c not in ok}


def _unit(v: dict[int, float]) -> dict[int, float]:
    n = math.sqrt(sum(x * x for x in v.values()))
    return {k: x / n for k, x in v.items()} if n else {}
