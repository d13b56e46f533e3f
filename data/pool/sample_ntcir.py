"""Draw more NTCIR-14 STC-3 turns (CC BY 4.0) to label as training data.

Run once: `python data/pool/sample_ntcir.py` writes data/pool/split_ntcir.jsonl (pool id, source,
split "train"). NTCIR is the one pool source whose licence lets shipped weights learn from it, and
the learned reader was weakest on it (validation intent 0.46 with 663 labelled turns).

Only sessions that sample.py's hash puts on the train side and that no earlier draw touched are
used, one turn per session, so no conversation straddles train and validation. A turn that is a
near-copy (rapidfuzz ratio >= 90) of any validation, tune or dev message is skipped: Weibo posts
are often re-posted from one session to another.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from sample import HERE, POOL, SEED, fresh_sessions, near_copy, write_draw
QUOTA = 2600


def main(pool: Path = POOL, folder: Path = HERE) -> None:
    rows = {r["id"]: r for r in map(json.loads, pool.open(encoding="utf-8"))}
    sessions, held = fresh_sessions(rows, ("ntcir_dch",), ("split.jsonl", "split_tune.jsonl"), ("val", "tune"), folder)
    rng = random.Random(SEED + 14)
    keys = sorted(sessions)
    rng.shuffle(keys)
    out = []
    for key in keys:
        if len(out) >= QUOTA:
            break
        r = rng.choice(sessions[key])
        if not near_copy(r["message"], held):
            out.append({"id": r["id"], "source": "ntcir_dch", "split": "train"})
    write_draw(out, folder / "split_ntcir.jsonl")
    print(f"{len(out)} NTCIR turns from {len(out)} unused train-side sessions", file=sys.stderr)


if __name__ == "__main__":
    main()
