"""Choose the training parameters on the tune split: `python data/pool/choose_training.py`.
Each setting trains the reader on the shipped training data and scores the whole engine on the
tune split (never validation). Prints one line per setting."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from assistant import train
from assistant.engine import Engine
from assistant.evaluate import evaluate, pool_items
from assistant.reader import Reader

SETTINGS = [
    dict(l2=1e-3), dict(l2=3e-4), dict(l2=1e-4), dict(l2=3e-3),
    dict(l2=1e-3, trigger_weight=1.0), dict(l2=1e-3, balance=0.0), dict(l2=1e-3, balance=1.0),
    dict(l2=1e-3, epochs=40),
]


def main(argv: list[str]) -> None:
    pool = train.load_pool()
    ex = train.training_examples(pool=pool)
    items = pool_items("tune")
    chosen = [SETTINGS[int(i)] for i in argv] if argv else SETTINGS
    with tempfile.TemporaryDirectory() as tmp:
        for cfg in chosen:
            reader = train.train_reader(ex, train.Params(**cfg))
            path = Path(tmp) / "r.npz"
            reader.save(path)
            r = evaluate(Engine(reader=Reader.load(path)), items)
            print(cfg, {k: r[k] for k in ("intent_acc", "reply_hit@3", "emotion_macro_f1", "urgent_f1")}, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
