"""Which words of the hand emotion cues are wrong more often than right (fortieth pass,
docs/reader.md): `python data/shop/cue_words.py [urgent]`, run from the repository root with
KEFU_HOME=. and a built knowledge.db (`urgent`: the urgency cues instead). Validation is never
read; counts only, no message text.

For every alternative of every emotion cue in resources/kb/lexicon.yaml (岁|快乐 → 岁, 快乐), over
the shop tune halves and the pool's tune and train splits: how many messages it matches, how many
of them labellers gave its mood, and how many the engine reads with its mood while the label is
another. Words near the top (wrong much more often than right) are the ones to narrow; a change
is then measured as every other step is.
"""
from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from assistant import paths, text
from assistant.engine import Conversation, Engine
from assistant.evaluate import pool_items, read_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pool"))
from cue_audit import alternatives  # noqa: E402  (the same split of a pattern into its words)

SHOP = Path(__file__).resolve().parent


def main(urgent: bool = False, top: int = 30) -> None:
    engine = Engine(paths.db_path(), allow_readonly=True)
    doc = yaml.safe_load((paths.kb_resources_dir() / "lexicon.yaml").read_text(encoding="utf-8"))
    kind = "urgent" if urgent else "emotion"
    cues = [(mood, a, re.compile(a)) for mood, pats in doc[kind].items() for p, _ in pats for a in alternatives(p)]
    items = [it for f in sorted(SHOP.glob("tune*.jsonl")) for it in read_jsonl(f)]
    items += pool_items("tune") + pool_items("train")
    stats: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for it in items:
        said = text.normalize(it["message"])
        hits = [(mood, a) for mood, a, rx in cues if rx.search(said)]
        if not hits:
            continue
        a_ = engine.suggest(Conversation.of(it["message"], it.get("context") or [])).analysis
        # an urgency cue's "mood" is urgent: labelled urgent, read urgent
        label, read = ((["no", "urgent"][it["urgent"]], ["no", "urgent"][a_.urgent]) if urgent
                       else (it["emotion"], a_.emotion))
        for mood, a in hits:
            s = stats[(mood, a)]
            s["matched"] += 1
            s["right"] += label == mood
            s["wrong"] += read == mood and label != mood
    print("mood          matched  labelled so  read so wrongly  cue word")
    for (mood, a), s in sorted(stats.items(), key=lambda kv: kv[1]["right"] / 2 - kv[1]["wrong"])[:top]:
        print(f"{mood:12s} {s['matched']:8d} {s['right']:12d} {s['wrong']:16d}  {a[:60]}")


if __name__ == "__main__":
    main(urgent="urgent" in sys.argv[1:])
