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
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process

from sample import POOL, SEED, split_of

HERE = Path(__file__).resolve().parent
DEV = POOL.parents[1] / "eval" / "dev.jsonl"
QUOTA = 2600


def main(pool: Path = POOL) -> None:
    rows = {r["id"]: r for r in map(json.loads, pool.open(encoding="utf-8"))}
    taken: dict[str, str] = {}
    for name in ("split.jsonl", "split_tune.jsonl"):
        for r in map(json.loads, (HERE / name).read_text(encoding="utf-8").splitlines()):
            taken[r["id"]] = r["split"]
    used_sessions = {(rows[i]["source"], rows[i]["session"]) for i in taken}
    held = [rows[i]["message"] for i, s in taken.items() if s in ("val", "tune")]
    held += [json.loads(line)["message"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    sessions: dict[str, list[dict]] = defaultdict(list)
    for r in rows.values():
        key = (r["source"], r["session"])
        if r["source"] == "ntcir_dch" and not r["in_dev"] and key not in used_sessions and split_of(*key) == "train":
            sessions[r["session"]].append(r)
    rng = random.Random(SEED + 14)
    keys = sorted(sessions)
    rng.shuffle(keys)
    out = []
    for key in keys:
        if len(out) >= QUOTA:
            break
        r = rng.choice(sessions[key])
        near = process.extractOne(r["message"], held, scorer=fuzz.ratio, score_cutoff=90)
        if near is None:
            out.append({"id": r["id"], "source": "ntcir_dch", "split": "train"})
    out.sort(key=lambda r: r["id"])
    with (HERE / "split_ntcir.jsonl").open("w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(out)} NTCIR turns from {len(out)} unused train-side sessions", file=sys.stderr)


if __name__ == "__main__":
    main()
