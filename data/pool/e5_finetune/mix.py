"""Mix the fine-tuned encoder's probabilities with the shipped reader's: `python mix.py RUN [--val]`.

Research only (docs/reader.md, "Fifteenth pass"). RUN is finetune.py's --out prefix. The mix is
geometric for intent and emotion (log p_reader + w · log p_encoder) and linear for urgency
(weights 1 : w). w is chosen on the tune split; with --val the chosen w is applied to validation
once. Figures are the reader's alone, before the engine adds topic, cues and retrieval.
"""
import sys

import numpy as np

from assistant import train as T
from assistant.evaluate import _f1
from assistant.train import EMOTIONS

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, None)  # None: the encoder alone


def shipped_probs(reader, examples, cues):
    ints, emos = T.intent_ids(), list(EMOTIONS)
    out = {"i": [], "e": [], "u": []}
    for e in examples:
        f = T.example_features(e, cues)
        pi, pe = reader.intent.proba(f), reader.emotion.proba(f)
        out["i"].append([pi.get(c, 1e-9) for c in ints])
        out["e"].append([pe.get(c, 1e-9) for c in emos])
        out["u"].append(reader.urgent.proba(f)["yes"])
    return {k: np.asarray(v) for k, v in out.items()}


def scores(R, D, examples, w):
    ints, emos = T.intent_ids(), list(EMOTIONS)
    if w is None:
        li, le, pu = np.log(D["i"] + 1e-9), np.log(D["e"] + 1e-9), D["u"][:, 1]
    else:
        li = np.log(R["i"]) + w * np.log(D["i"] + 1e-9)
        le = np.log(R["e"]) + w * np.log(D["e"] + 1e-9)
        pu = (R["u"] + w * D["u"][:, 1]) / (1 + w)
    gi = np.asarray([ints.index(e.intent) if e.intent in ints else -1 for e in examples])
    ge = np.asarray([emos.index(e.emotion or "calm") for e in examples])
    gu = np.asarray([bool(e.urgent) for e in examples])
    pe, pr = le.argmax(1), pu >= 0.5
    labs = [k for k in range(len(emos)) if (ge == k).any() or (pe == k).any()]
    emo = np.mean([_f1(int(((pe == k) & (ge == k)).sum()), int(((pe == k) & (ge != k)).sum()),
                       int(((pe != k) & (ge == k)).sum())) for k in labs])
    return {"intent_acc": round(float((li.argmax(1) == gi).mean()), 4), "emotion_macro_f1": round(float(emo), 4),
            "urgent_f1": round(_f1(int((pr & gu).sum()), int((pr & ~gu).sum()), int((~pr & gu).sum())), 4)}


def main() -> None:
    run = sys.argv[1]
    pool = T.load_pool()
    reader = T.train_reader(T.training_examples(pool=pool), T.Params())
    cues = T.Cues()
    splits = ["tune"] + (["val"] if "--val" in sys.argv else [])
    results = {}
    for split in splits:
        ex = T.pool_examples(split, pool=pool)
        D = np.load(f"{run}-{split}.npz")
        assert list(D["ids"]) == [e.id for e in ex], f"{run}-{split}.npz is for other messages"
        results[split] = (ex, shipped_probs(reader, ex, cues), D)
    ex, R, D = results["tune"]
    table = {w: scores(R, D, ex, w) for w in WEIGHTS}
    for w, s in table.items():
        print("tune", "encoder alone" if w is None else f"w={w}", s)
    best = max((w for w in WEIGHTS if w is not None), key=lambda w: table[w]["intent_acc"])
    print("chosen on tune: w =", best)
    if "val" in results:
        ex, R, D = results["val"]
        for w in (0.0, best, None):
            print("val", "encoder alone" if w is None else f"w={w}", scores(R, D, ex, w))


if __name__ == "__main__":
    main()
