"""Choose the reader's few run-time settings on the tune split (data/pool/split_tune.jsonl: 600
labelled messages from sessions that were neither paraphrased nor in validation):
`python data/pool/choose.py`. Prints each setting's figures; the chosen values are written into
assistant/analysis.py by hand, with the table in docs/reader.md. Validation is never read here."""
from __future__ import annotations

import itertools

from assistant.analysis import Analyzer
from assistant.engine import Engine
from assistant.evaluate import evaluate, pool_items

GRID = {
    "CUES_GAMMA": [0.0, 0.5, 1.0],
    "TOPIC_SHORT": [0.5, 1.0, 1.5],
    "TOPIC_LONG": [0.3, 0.5],
    "RETRIEVAL_BETA": [0.0, 1.0],
}
EMOTION_GRID = {
    "CALM_PRIOR": [1.0, 2.0, 3.0, 4.0, 6.0],
    "EMOTION_CUES": [False, True],
}
URGENT_GRID = {
    "URGENT_THRESHOLD": [0.2, 0.3, 0.4, 0.5],
    "URGENT_CUES": [False, True],
    "ANGRY_IS_URGENT": [False, True],
}


def sweep(eng, items, grid, keys):
    names = list(grid)
    rows = []
    for values in itertools.product(*(grid[n] for n in names)):
        for n, v in zip(names, values):
            setattr(Analyzer, n, v)
        r = evaluate(eng, items)
        rows.append((values, tuple(r[k] for k in keys)))
        print(dict(zip(names, values)), {k: r[k] for k in keys}, flush=True)
    return names, max(rows, key=lambda row: row[1])


def main() -> None:
    items = pool_items("tune")
    eng = Engine()
    for grid, keys in ((GRID, ("intent_acc", "reply_hit@3")), (EMOTION_GRID, ("emotion_macro_f1",)),
                       (URGENT_GRID, ("urgent_f1",))):
        names, (best, score) = sweep(eng, items, grid, keys)
        for n, v in zip(names, best):
            setattr(Analyzer, n, v)
        print("best:", dict(zip(names, best)), score, flush=True)


if __name__ == "__main__":
    main()
