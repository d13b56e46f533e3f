"""The reader on a copy of several chat messages at once (docs/reader.md, "Eleventh pass"). A
diagnostic; nothing it writes ships.

An agent who selects the last few messages in 千牛 or 咚咚 and copies them gets each one under its
sender's nick and time. This rewrites every message that has context as such a copy (its last
``K`` turns and itself; the customer as ``jd_5f8a2c``, the agent as ``小美``, a nick no rule marks
as the shop's) and compares what the sidebar reads from it: all of it as one message (the copy
without headers, as before the eleventh pass), the copy split into turns
(``copyfilter.copied_turns``), and the corpus' own message and context for reference.

`python data/pool/copied_blocks.py [dev] [probes] [tune] [trainjd] [val]` (all but val when none
is named).
"""
from __future__ import annotations

import sys

from assistant import copyfilter
from assistant.engine import Engine
from assistant.evaluate import evaluate
from live_values import KEYS, sets

SHOW = KEYS + ("first_line@1", "first_line_harmful")

K = 3
NICK = {"customer": "jd_5f8a2c", "agent": "小美"}


def copy_of(item: dict, k: int = K) -> str:
    turns = [t if isinstance(t, dict) else {"role": "customer", "text": t} for t in item.get("context") or []][-k:]
    turns.append({"role": "customer", "text": item["message"]})
    return "\n".join(f"{NICK[t['role']]} 2026-12-01 10:{i:02d}:{7 * i % 60:02d}\n{t['text']}" for i, t in enumerate(turns))


def rewrites(item: dict) -> dict[str, dict]:
    block = copy_of(item)
    split = copyfilter.copied_turns(block)
    message, context = split if split else (copyfilter.clean_copy(block), [])
    return {"joined": dict(item, message=copyfilter.clean_copy(block), context=[]),
            "split": dict(item, message=message, context=context),
            "corpus": item}


def main(names: list[str]) -> None:
    engine = Engine()
    for name, items in sets(names or ["dev", "probes", "tune", "trainjd"]).items():
        items = [i for i in items if i.get("context")]
        rows = [rewrites(i) for i in items]
        for label in ("joined", "split", "corpus"):
            r = evaluate(engine, [x[label] for x in rows])
            print(f"{name:8} {label:7} ({len(items)} messages with context) "
                  + " ".join(f"{k}={r[k]}" for k in SHOW if k in r))


if __name__ == "__main__":
    main(sys.argv[1:])
