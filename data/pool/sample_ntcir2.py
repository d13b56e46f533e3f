"""Draw a second batch of NTCIR-14 STC-3 turns (CC BY 4.0), labelled to test whether more NTCIR
intent data helps. It did not (validation intent equal, tune harmful tops up; docs/reader.md), so
`assistant.train.read_split` does not read split_ntcir2.jsonl: the labels are kept, nothing
trains or scores on them; data/pool/agreement.py reports their second-labeller agreement.

Run once: `python data/pool/sample_ntcir2.py` writes data/pool/split_ntcir2.jsonl (pool id,
source, split "train"). The first batch (sample_ntcir.py) took one turn from every train-side
session; this one takes further turns of those same sessions (so nothing crosses into validation
or tune), none already labelled, and skips near-copies (rapidfuzz ratio >= 90) of any
validation, tune or dev message.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from sample import HERE, POOL, SEED, drawn, near_copy, split_of, write_draw
QUOTA = 1200


def main(pool: Path = POOL, folder: Path = HERE) -> None:
    rows = [json.loads(line) for line in pool.open(encoding="utf-8")]
    labelled = {json.loads(line)["id"] for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line}
    _, held = drawn({r["id"]: r for r in rows}, ("split.jsonl", "split_tune.jsonl"), ("val", "tune"), folder)
    cands = [r for r in rows if r["source"] == "ntcir_dch" and not r["in_dev"] and r["id"] not in labelled
             and split_of(r["source"], r["session"]) == "train"]
    rng = random.Random(SEED + 15)
    rng.shuffle(cands)
    out = []
    for r in cands:
        if len(out) >= QUOTA:
            break
        if not near_copy(r["message"], held):
            out.append({"id": r["id"], "source": "ntcir_dch", "split": "train"})
    write_draw(out, folder / "split_ntcir2.jsonl")
    print(f"{len(out)} more NTCIR turns from train-side sessions", file=sys.stderr)


if __name__ == "__main__":
    main()
