"""Would a learned chooser pick a chat message's goods better than the hand rules? (fortieth pass,
docs/reader.md; not kept). `python data/shop/mention_probe.py`, run from the repository root with
KEFU_HOME=. and a built knowledge.db. Validation is never read.

Candidates are the product finder's spans in a chat message, the same spans joined back to back,
each extended by up to four characters to the left or two to the right, and each cut down to a
noun or brand inside it. A logistic regression over a few dozen features of each candidate (where
it stands, the characters around it, whether it is pointed at, missing, a flavour, a part, the
hand rules' pick, whether the context names it …) scores them; the best one is the goods when its
probability clears a threshold. Printed, as (tp, fp, fn, product F1):
- cv:      six folds over the shop tune halves `tune` … `tune18`, three halves a fold;
- heldout: trained on the eight halves that teach the reader (`tune` … `tune8`), scored on
           `tune9` … `tune18` and on the JD chats of the pool's tune and train splits (never trained on).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

from assistant import entities as E
from assistant import paths, text
from assistant.engine import Engine
from assistant.evaluate import pool_items, read_jsonl

SHOP = Path(__file__).resolve().parent
HALVES = ["tune"] + [f"tune{i}" for i in range(2, 19)]
WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
STOP = set("的了个这那我你他她是在买拍款有和跟与也就都还要想能会吗呢吧啊呀哦嘛么给把被让对从说用到着过"
           "一两三几多少些每件双条只台套瓶盒包袋张本支")
MISSING = re.compile(r"\s?(?:呢|没|没有|没收到|没到|漏|少|不见|还没|怎么没)")


def candidates(F, raw: str, ctx: str, rule: str | None) -> list[tuple[str, dict[str, float]]]:
    _, _, searched = E.post_shape(raw)
    base = list(F.spans(searched))
    found: dict[tuple[int, int], tuple] = {}

    def add(s, e, kind, i, ps=None, pe=None):
        if raw[s:e].strip() and (s, e) not in found:
            found[(s, e)] = (kind, i, s if ps is None else ps, e if pe is None else pe)

    for kind, spans in (("base", base), ("joined", E._joined(raw, base))):
        for i, (s, e) in enumerate(spans):
            add(s, e, kind, i)
    for (s, e), (kind, i, _, _) in list(found.items()):
        for k in range(1, 5):
            if s - k < 0 or not WORD.match(raw[s - k]) or raw[s - k] in STOP:
                break
            add(s - k, e, f"left{k}", i)
        for k in range(1, 3):
            if e + k > len(raw) or not WORD.match(raw[e + k - 1]):
                break
            add(s, e + k, f"right{k}", i)
        for j in range(s + 1, e - 1):
            if WORD.match(raw[j]) and F.nouns_in(raw[j:e]):
                add(j, e, "shrinkL", i, s, e)
        for j in range(s + 2, e):
            if raw[s:j].strip().lower() in F._by_lower or raw[s:j].strip().lower() in F.brands:
                add(s, j, "shrinkR", i, s, e)
    out = []
    for (s, e), (kind, i, ps, pe) in sorted(found.items()):
        v = raw[s:e].strip()
        low = v.lower()
        f = {"bias": 1, "kind=" + kind: 1, "rule": v == rule, "in_rule": bool(rule) and v in rule and v != rule,
             "has_rule": bool(rule) and rule in v and v != rule, f"i={min(i, 3)}": 1, f"n={min(len(base), 3)}": 1,
             "last": i == len(base) - 1, f"pos={min(4, int(5 * s / max(1, len(raw))))}": 1,
             "p1=" + raw[s - 1:s]: 1, "p2=" + raw[max(0, s - 2):s]: 1, "n1=" + raw[e:e + 1]: 1, "n2=" + raw[e:e + 2]: 1,
             "pointed": bool(E._POINTED.search(raw[max(0, s - 3):s])), "owned": bool(E._OWNED.search(raw[max(0, s - 4):s])),
             "card": bool(E._CARD.search(raw[max(0, s - 20):s])), "bracket": raw.rfind("【", 0, s) > raw.rfind("】", 0, s),
             "missing": bool(MISSING.match(raw, e)), "flavour": bool(E._FLAVOUR.match(raw, e)),
             "aside": bool(E._ASIDE.search(raw[max(0, s - 3):s])), "praised": bool(E._PRAISED.match(raw, e)),
             "generic": low in F.generic or low in E._GENERIC, "part": v in E._PARTS, "brand": low in F.brands,
             f"cat={F.category(v)}": 1, f"vlen={min(6, len(v))}": 1, "in_ctx": bool(ctx) and v in ctx,
             "model": bool(re.search(r"[A-Za-z0-9]", v)), "repeated": raw.count(v) > 1,
             "late_long": s >= 15 and len(raw) >= 50, "v=" + low: 1,
             "lx=" + raw[s:ps]: kind.startswith("left"), "rx=" + raw[pe:e]: kind.startswith("right"),
             "dl=" + raw[ps:s]: kind == "shrinkL", "dr=" + raw[e:pe]: kind == "shrinkR"}
        out.append((v, {k: float(x) for k, x in f.items() if x}))
    return out


def rows(F, items: list[dict], half: str | None = None) -> list[tuple]:
    out = []
    for it in items:
        raw = text.simplified(it["message"])
        if E._MENTION.search(raw) or E.is_thread(t["text"] for t in it.get("context") or []):
            continue  # posts and their threads have their own model (assistant/mentions.py)
        ctx = " ".join(t["text"] for t in (it.get("context") or [])[-4:])
        rule = E.extract_entities(raw, F, use_model=False).get("product")
        gold = (it.get("entities") or {}).get("product")
        out.append((half, text.simplified(gold) if gold else None, rule, candidates(F, raw, ctx, rule)))
    return out


def fit(data, l2=1e-4, epochs=1500, step=1.0) -> dict[str, float]:
    pairs = [(f, float(v == g)) for _, g, _, cs in data for v, f in cs]
    counts = Counter(k for f, _ in pairs for k in f)
    index = {k: i for i, k in enumerate(sorted(k for k, n in counts.items() if n >= 2))}
    X = np.zeros((len(pairs), len(index)), dtype=np.float32)
    for r, (f, _) in enumerate(pairs):
        for k, v in f.items():
            if k in index:
                X[r, index[k]] = v
    y = np.array([t for _, t in pairs], dtype=np.float32)
    w = np.zeros(len(index), dtype=np.float32)
    for _ in range(epochs):
        w -= step * (X.T @ (1 / (1 + np.exp(-(X @ w))) - y) / len(y) + l2 * w)
    return {k: float(w[i]) for k, i in index.items()}


def pick(w, cs, threshold):
    best, best_p = None, 0.0
    for v, f in cs:
        z = sum(w.get(k, 0.0) * x for k, x in f.items())
        p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
        if p > best_p:
            best, best_p = v, p
    return best if best_p >= threshold else None


def score(pairs) -> tuple:
    tp = sum(1 for g, p in pairs if g and g == p)
    fp = sum(1 for g, p in pairs if p is not None and g != p)
    fn = sum(1 for g, p in pairs if g is not None and g != p)
    return tp, fp, fn, round(2 * tp / max(1, 2 * tp + fp + fn), 4)


def main() -> None:
    engine = Engine(paths.db_path(), allow_readonly=True)
    F = engine.analyzer.product_finder
    data = [r for h in HALVES for r in rows(F, read_jsonl(SHOP / f"{h}.jsonl"), h)]
    jd = rows(F, pool_items("tune") + pool_items("train"))
    print("hand rules: shop halves", score([(g, r) for _, g, r, _ in data]),
          "| tune9…18", score([(g, r) for h, g, r, _ in data if h not in HALVES[:8]]),
          "| pool tune+train chats", score([(g, r) for _, g, r, _ in jd]))
    thresholds = (0.2, 0.3, 0.4, 0.5)
    for l2 in (1e-4, 1e-3):
        cv = {t: [] for t in thresholds}
        for fold in (HALVES[i::6] for i in range(6)):
            w = fit([d for d in data if d[0] not in fold], l2)
            for t in thresholds:
                cv[t] += [(g, pick(w, cs, t)) for h, g, _, cs in data if h in fold]
        w = fit([d for d in data if d[0] in HALVES[:8]], l2)
        for t in thresholds:
            print(f"l2 {l2:g} threshold {t}: cv", score(cv[t]),
                  "| heldout tune9…18", score([(g, pick(w, cs, t)) for h, g, _, cs in data if h not in HALVES[:8]]),
                  "| pool chats", score([(g, pick(w, cs, t)) for _, g, _, cs in jd]))


if __name__ == "__main__":
    main()
