"""Which hand emotion cues cost more than they give (docs/reader.md, "Eighth pass"):
`python data/pool/cue_audit.py [train|tune|shop] [sources]`, e.g. `train jddc_chat,jddc_pairs`;
`shop` reads the shop tune halves the reader never learned from (tune9 … in data/shop).

A clear hand cue of emotion overrides the model's calm reading (Analyzer.EMOTION_CUES). For every
labelled message of the split whose emotion the override changes, the cue alternatives of the new
emotion that match the message are charged with the result: how often the reading with the
override is right, how often the model alone was. Cues whose net is negative on the train split
are the candidates to narrow (麻烦 as a letdown, a request's 谢谢 as praise) or to keep from
overruling the model (Analyzer.NO_OVERRIDE, fiftieth pass: those are neither used for the override
nor charged, so empty NO_OVERRIDE to count them again); a change is then chosen
on the tune side and confirmed on validation, which this script never reads.
Prints counts only, never message text.
"""
from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

import yaml

from assistant import paths
from assistant.analysis import Analyzer, alternatives
from assistant.engine import Conversation, Engine
from assistant.evaluate import pool_items, read_jsonl
from assistant.train import SHOP_DIR, SHOP_TRAIN


def items(split: str, sources: tuple[str, ...] | None = None) -> list[dict]:
    if split == "shop":
        return [it for f in sorted(SHOP_DIR.glob("tune*.jsonl")) if f.stem not in SHOP_TRAIN
                for it in read_jsonl(f)]
    return pool_items(split, sources)


def audit(split: str, sources: tuple[str, ...] | None = None) -> tuple[Counter, dict]:
    doc = yaml.safe_load((paths.kb_resources_dir() / "lexicon.yaml").read_text(encoding="utf-8"))
    # only the cues that may overrule the model are charged (Analyzer.NO_OVERRIDE's only inform it)
    cues = {label: [(a, re.compile(a)) for pattern, _ in pats for a in alternatives(pattern)
                    if a not in Analyzer.NO_OVERRIDE.get(label, ())]
            for label, pats in doc["emotion"].items()}
    engine = Engine()
    analyzer = engine.analyzer
    total, per_cue = Counter(), defaultdict(Counter)
    try:
        for item in items(split, sources):
            conv = Conversation.of(item["message"], item.get("context") or [])
            with_cues = engine.suggest(conv, limit=1).analysis.emotion
            analyzer.EMOTION_CUES = False
            try:
                alone = engine.suggest(conv, limit=1).analysis.emotion
            finally:
                analyzer.EMOTION_CUES = True
            if with_cues == alone:
                continue
            gold = item["emotion"]
            total["changed"] += 1
            total["net"] += (with_cues == gold) - (alone == gold)
            for alt, rx in cues.get(with_cues, []):
                if rx.search(item["message"]):
                    c = per_cue[(with_cues, alt)]
                    c["n"] += 1
                    c["right_with_cue"] += with_cues == gold
                    c["right_without"] += alone == gold
    finally:
        engine.close()
    return total, per_cue


def main(argv: list[str]) -> None:
    split = argv[0] if argv else "train"
    if split not in ("train", "tune", "shop"):
        raise SystemExit("train, tune or shop (tune9 … of data/shop) only: no validation set is read here")
    sources = tuple(argv[1].split(",")) if len(argv) > 1 else None
    total, per_cue = audit(split, sources)
    print(f"{split}: overrides changed {total['changed']} readings, net {total['net']:+d} right")
    rows = sorted(per_cue.items(), key=lambda kv: kv[1]["right_with_cue"] - kv[1]["right_without"])
    for (label, alt), c in rows:
        if c["n"] >= 2:
            net = c["right_with_cue"] - c["right_without"]
            print(f"  {label:12s} {alt[:40]:40s} n={c['n']:3d} right with cue {c['right_with_cue']:3d}"
                  f" / without {c['right_without']:3d}  net {net:+d}")


if __name__ == "__main__":
    main(sys.argv[1:])
