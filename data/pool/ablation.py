"""Ablation of the reader on the frozen validation split: `python data/pool/ablation.py`.
Each row switches one piece on; the shipped configuration is marked. Prints a Markdown table."""
from __future__ import annotations

from assistant.analysis import Analyzer
from assistant.engine import Engine
from assistant.evaluate import evaluate, pool_items, read_jsonl
from assistant.train import REPO

OFF = dict(CUES_GAMMA=0.0, CUES_GAMMA_STRONG=0.0, TOPIC_SHORT=0.0, TOPIC_LONG=0.0, RETRIEVAL_BETA=0.0,
           EMOTION_CUES=False, URGENT_CUES=False, ANGRY_IS_URGENT=False, EMOTION_TOPIC=0.0, CALM_PRIOR=3.0,
           ANGRY_QUESTION=False, SATISFIED_RETORT=False)  # the last two are emotion cues (forty-fourth pass)
BEFORE_MOOD = {"EMOTION_TOPIC": 0.0, "CALM_PRIOR": 3.0}
ROWS = [
    ("hand cues + retrieval only (the old reader)", None),
    ("model alone", OFF),
    ("+ conversation topic", {**OFF, "TOPIC_SHORT": Analyzer.TOPIC_SHORT, "TOPIC_LONG": Analyzer.TOPIC_LONG}),
    ("+ hand-cue intent reading, weighted by cue strength", {**OFF, "TOPIC_SHORT": Analyzer.TOPIC_SHORT,
                                                             "TOPIC_LONG": Analyzer.TOPIC_LONG,
                                                             "CUES_GAMMA": Analyzer.CUES_GAMMA,
                                                             "CUES_GAMMA_STRONG": Analyzer.CUES_GAMMA_STRONG}),
    ("+ hand emotion cues override a calm reading", {**BEFORE_MOOD, "URGENT_CUES": False, "ANGRY_IS_URGENT": False}),
    ("+ urgency cues, anger is urgent", BEFORE_MOOD),
    ("+ the customer's earlier turns' mood, calm prior 3 → 2 (shipped)", {}),
    ("+ nearest trigger added to the intent (not shipped)", {"RETRIEVAL_BETA": 1.0}),
    ("cue weight as before (0.5, 1.5 for strong cues; not shipped)", {"CUES_GAMMA": 0.5, "CUES_GAMMA_STRONG": 1.5}),
]
KEYS = ("intent_acc", "reply_hit@3", "emotion_macro_f1", "urgent_f1")


def main() -> None:
    val = pool_items("val")
    jd = [i for i in val if i["source"] != "ntcir_dch"]
    dev = read_jsonl(REPO.parent / "shared" / "eval" / "dev.jsonl")
    tune = pool_items("tune")
    defaults = {k: getattr(Analyzer, k) for k in OFF}
    print("| reader | val intent | val hit@3 | val emotion F1 | val urgent F1 | val JDDC intent | tune intent | dev intent |")
    print("|---|---|---|---|---|---|---|---|")
    for name, cfg in ROWS:
        for k, v in defaults.items():
            setattr(Analyzer, k, v)
        eng = Engine(reader=None) if cfg is None else Engine()
        for k, v in (cfg or {}).items():
            setattr(Analyzer, k, v)
        a, b, c, t = evaluate(eng, val), evaluate(eng, jd), evaluate(eng, dev), evaluate(eng, tune)
        print(f"| {name} | " + " | ".join(f"{a[k]:.3f}" for k in KEYS)
              + f" | {b['intent_acc']:.3f} | {t['intent_acc']:.3f} | {c['intent_acc']:.3f} |", flush=True)
    for k, v in defaults.items():
        setattr(Analyzer, k, v)


if __name__ == "__main__":
    main()
