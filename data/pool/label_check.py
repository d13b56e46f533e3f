"""Which training labels does the reader, trained without them, find least likely? `python data/pool/label_check.py [N]`.

Research only (docs/reader.md, "Fifteenth pass"). Trains the reader in 5 folds split by group
(seed 0) and reads every training example out of fold. It flags an example whose own intent gets
under 0.1 while another intent gets over 0.6, prints the counts per source, then N flagged
examples at random to read by hand (default 40).
"""
from __future__ import annotations

import random
import sys
from collections import Counter


from assistant import train as T


def out_of_fold(examples: list[T.Example], k: int = 5) -> list[tuple[T.Example, dict[str, float]]]:
    fold = T.group_folds(examples, k, seed=0)
    cues = T.Cues()
    out = []
    for f in range(k):
        reader = T.train_reader([e for e in examples if fold[e.group] != f], T.Params())
        out += [(e, reader.intent.proba(T.example_features(e, cues)))
                for e in examples if fold[e.group] == f and e.intent]
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    read = out_of_fold(T.training_examples())
    right = Counter(e.source for e, p in read if max(p, key=p.get) == e.intent)
    total = Counter(e.source for e, _ in read)
    print("out-of-fold intent accuracy:", {s: round(right[s] / total[s], 3) for s in total})
    flagged = [(e, p) for e, p in read if p.get(e.intent, 0.0) < 0.1 and max(p.values()) > 0.6]
    print(f"flagged {len(flagged)} of {len(read)}:", dict(Counter(e.source for e, _ in flagged)))
    random.Random(3).shuffle(flagged)
    for e, p in flagged[:n]:
        top = max(p, key=p.get)
        last = e.context[-1][1][:25] if e.context else ""
        print(f"{e.source:10s} {e.id[:22]:22s} {e.intent} -> {top} {p[top]:.2f} | {e.text[:50]} | {last}")


if __name__ == "__main__":
    main()
