"""Where the reader's ceiling is (docs/reader.md, "Seventh pass"): `python data/pool/ceiling.py
[curve] [realjd] [oracle]` (all three when none is named). Every figure is on the tune split, with
the pool train split's JD messages and the dev set as second checks; validation is never read.

- curve:  the reader retrained on none, half and all of the paraphrases of train-split messages
          (`data/written/para*_*.jsonl`), everything else as shipped: what more writing would buy.
- realjd: a diagnostic that never ships (JDDC is research-only): the train split's labelled JD
          messages added to the shipped training data once and three times: what real data would buy.
- oracle: how often one of the engine's three intent readings (the message with its context, the
          message alone, the conversation topic) is right, by message length: what a better way
          of combining them could buy at most.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from assistant import text, train
from assistant.analysis import clean_for_intent, scoring_text
from assistant.engine import Conversation, Engine
from assistant.evaluate import evaluate, pool_items, read_jsonl
from assistant.reader import Reader, content_len
from sample import DEV

HALF = ("para1_0", "para1_1", "para2_0", "para2_1", "para3_0")
KEYS = ("intent_acc", "reply_hit@3", "emotion_macro_f1", "urgent_f1")


def _sets() -> dict[str, list[dict]]:
    return {"tune": pool_items("tune"),
            "train JD": [i for i in pool_items("train") if i["source"] != "ntcir_dch"],
            "dev": read_jsonl(DEV)}


def _score(examples: list, sets: dict[str, list[dict]], label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reader.npz"
        train.train_reader(examples).save(path)
        engine = Engine(reader=Reader.load(path))
        out = {name: evaluate(engine, items) for name, items in sets.items()}
    print(label, len(examples), {name: {k: r[k] for k in KEYS} for name, r in out.items()}, flush=True)


def curve(pool: dict, sets: dict) -> None:
    every = train.training_examples(pool=pool)

    def para(e) -> str | None:  # the file a written example came from, if it is a paraphrase file
        stem = e.id.split(":")[0] if e.source == "written" else ""
        return stem if stem.startswith("para") and stem[4:5].isdigit() else None

    _score([e for e in every if para(e) is None], sets, "no paraphrases")
    _score([e for e in every if para(e) is None or para(e) in HALF], sets, "half")
    _score(every, sets, "all (shipped)")


def realjd(pool: dict, sets: dict) -> None:
    shipped = train.training_examples(pool=pool)
    jd = train.pool_examples("train", ("jddc_chat", "jddc_pairs"), pool=pool)
    sets = {k: v for k, v in sets.items() if k != "train JD"}  # they are the training input here
    _score(shipped + jd, sets, "shipped + real JD")
    _score(shipped + jd * 3, sets, "shipped + real JD x3")


def oracle(sets: dict) -> None:
    engine = Engine()
    an = engine.analyzer
    for name, items in sets.items():
        rows = {}
        for it in items:
            conv = Conversation.of(it["message"], it.get("context") or [])
            a = engine.suggest(conv, limit=1).analysis
            scoring = scoring_text(clean_for_intent(text.clean(it["message"])))
            alone = an.reader.intent.proba(an.features(scoring, [], it["message"]))
            topic = an.topic(conv.context) if conv.context else None
            right = [a.intent == it["intent"], max(alone, key=alone.get) == it["intent"],
                     bool(topic) and max(topic, key=topic.get) == it["intent"]]
            n = content_len(scoring)
            bucket = "<=6" if n <= 6 else "7-15" if n <= 15 else ">15"
            r = rows.setdefault(bucket, [0, 0, 0, 0])
            r[0] += 1
            r[1] += right[0]
            r[2] += right[1]
            r[3] += any(right)
        for bucket, (n, ok, ok_alone, ok_any) in sorted(rows.items()):
            print(f"{name} {bucket:>4} chars: n={n} engine {ok / n:.3f} alone {ok_alone / n:.3f} "
                  f"any of the three {ok_any / n:.3f}", flush=True)


def main(argv: list[str]) -> None:
    what = set(argv) or {"curve", "realjd", "oracle"}
    sets = _sets()
    pool = train.load_pool() if what & {"curve", "realjd"} else None
    if "curve" in what:
        curve(pool, sets)
    if "realjd" in what:
        realjd(pool, sets)
    if "oracle" in what:
        oracle(sets)


if __name__ == "__main__":
    main(sys.argv[1:])
