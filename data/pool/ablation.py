"""Ablation of the reader on the frozen validation split: `python data/pool/ablation.py`.
Each row switches one piece on; the shipped configuration is marked. Prints a Markdown table."""
from __future__ import annotations

from assistant.analysis import Analyzer
from assistant.engine import Engine
from assistant.evaluate import evaluate, pool_items, read_jsonl
from assistant.train import REPO

ROWS = [
    ("hand cues + retrieval only (the old reader)", None),
    ("model alone", dict(CUES_GAMMA=0.0, TOPIC_SHORT=0.0, TOPIC_LONG=0.0, RETRIEVAL_BETA=0.0)),
    ("+ conversation topic", dict(CUES_GAMMA=0.0, RETRIEVAL_BETA=0.0)),
    ("+ nearest trigger (retrieval)", dict(CUES_GAMMA=0.0)),
    ("+ hand-cue reading mixed in (shipped)", dict()),
    ("+ hand emotion/urgency cues override (not shipped)", dict(EMOTION_CUES=True)),
]
KEYS = ("intent_acc", "reply_hit@3", "emotion_macro_f1", "urgent_f1")


def main() -> None:
    val = pool_items("val")
    jd = [i for i in val if i["source"] != "ntcir_dch"]
    dev = read_jsonl(REPO.parent / "shared" / "eval" / "dev.jsonl")
    defaults = {k: getattr(Analyzer, k) for k in ("CUES_GAMMA", "TOPIC_SHORT", "TOPIC_LONG", "RETRIEVAL_BETA",
                                                  "EMOTION_CUES")}
    print("| reader | val intent | val hit@3 | val emotion F1 | val urgent F1 | val JDDC intent | dev intent |")
    print("|---|---|---|---|---|---|---|")
    for name, cfg in ROWS:
        for k, v in defaults.items():
            setattr(Analyzer, k, v)
        eng = Engine(reader=None) if cfg is None else Engine()
        for k, v in (cfg or {}).items():
            setattr(Analyzer, k, v)
        a, b, c = evaluate(eng, val), evaluate(eng, jd), evaluate(eng, dev)
        print(f"| {name} | " + " | ".join(f"{a[k]:.3f}" for k in KEYS) + f" | {b['intent_acc']:.3f} | {c['intent_acc']:.3f} |")
    for k, v in defaults.items():
        setattr(Analyzer, k, v)


if __name__ == "__main__":
    main()
