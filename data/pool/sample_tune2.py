"""Draw a second tune batch: up to 600 JD messages (240 jddc_chat, 360 jddc_pairs), one per session,
from sessions on the train side of sample.py's hash that no earlier draw touched (only 10 jddc_chat
sessions were left: 370 messages). Written to
data/pool/split_tune.jsonl (appended, split "tune"): with 600 messages the tune split moved by about
±1 point on noise alone, too much to choose between settings that differ by less.
Run once: `python data/pool/sample_tune2.py`."""
from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from sample import HERE, POOL, SEED, fresh_sessions, near_copy
QUOTA = {"jddc_chat": 240, "jddc_pairs": 360}


def main(pool: Path = POOL, folder: Path = HERE) -> None:
    rows = {r["id"]: r for r in map(json.loads, pool.open(encoding="utf-8"))}
    sessions, held = fresh_sessions(rows, tuple(QUOTA), ("split.jsonl", "split_tune.jsonl", "split_ntcir.jsonl"),
                                    ("val",), folder)
    rng = random.Random(SEED + 21)
    keys = sorted(sessions)
    rng.shuffle(keys)
    got: dict[str, int] = defaultdict(int)
    out = []
    for key in keys:
        src = key[0]
        if got[src] >= QUOTA[src]:
            continue
        r = rng.choice(sessions[key])
        if not near_copy(r["message"], held):
            out.append({"id": r["id"], "source": src, "split": "tune"})
            got[src] += 1
    with (folder / "split_tune.jsonl").open("a", encoding="utf-8") as f:
        for r in sorted(out, key=lambda r: r["id"]):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(out)} tune messages added: {dict(got)}", file=sys.stderr)


if __name__ == "__main__":
    main()
