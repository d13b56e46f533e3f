"""Draw the messages we label from ../shared/corpus/pool.jsonl and split them by session.

Run once: `python data/pool/sample.py` writes data/pool/split.jsonl (pool id, source, split).
Validation sessions are chosen by a hash of the session id, so the split never depends on
which messages were drawn or in what order. Nobody reads validation messages while writing cues,
triggers, replies or training text; tools that show messages for writing refuse them.
"""
from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process

HERE = Path(__file__).resolve().parent
POOL = HERE.parents[1].parent / "shared" / "corpus" / "pool.jsonl"
DEV = POOL.parents[1] / "eval" / "dev.jsonl"
SEED = 20261201
# how many messages to draw per source, and at most how many per session
QUOTA = {"jddc_chat": 1000, "jddc_pairs": 1300, "ntcir_dch": 1000}
PER_SESSION = {"jddc_chat": 3, "jddc_pairs": 1, "ntcir_dch": 2}
VAL_SHARE = 0.32


def split_of(source: str, session: str) -> str:
    h = int(hashlib.sha256(f"{source}/{session}".encode()).hexdigest()[:8], 16)
    return "val" if h / 0xFFFFFFFF < VAL_SHARE else "train"


def drawn(rows: dict[str, dict], drawn_files, held_splits, folder: Path = HERE):
    """What earlier draws (``drawn_files`` in ``folder``) took, pool id -> split, and the texts a
    new message must not nearly copy (earlier messages of ``held_splits`` and the dev set)."""
    taken: dict[str, str] = {}
    for name in drawn_files:
        for r in map(json.loads, (folder / name).read_text(encoding="utf-8").splitlines()):
            taken[r["id"]] = r["split"]
    held = [rows[i]["message"] for i, s in taken.items() if s in held_splits]
    held += [json.loads(line)["message"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return taken, held


def fresh_sessions(rows: dict[str, dict], sources, drawn_files, held_splits, folder: Path = HERE):
    """For a later draw: the train-side sessions of ``sources`` that no earlier draw touched, by
    (source, session), and the texts a new message must not nearly copy (``drawn``)."""
    taken, held = drawn(rows, drawn_files, held_splits, folder)
    used = {(rows[i]["source"], rows[i]["session"]) for i in taken}
    sessions: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows.values():
        key = (r["source"], r["session"])
        if r["source"] in sources and not r["in_dev"] and key not in used and split_of(*key) == "train":
            sessions[key].append(r)
    return sessions, held


def near_copy(message: str, held: list[str]) -> bool:
    return process.extractOne(message, held, scorer=fuzz.ratio, score_cutoff=90) is not None


def write_draw(out: list[dict], path: Path) -> None:
    """A later draw's split file: one {id, source, split} per line, by pool id."""
    with path.open("w", encoding="utf-8") as f:
        for r in sorted(out, key=lambda r: r["id"]):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(pool: Path = POOL) -> None:
    rows = [json.loads(line) for line in pool.open(encoding="utf-8")]
    sessions: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        if not r["in_dev"]:
            sessions[(r["source"], r["session"])].append(r)
    rng = random.Random(SEED)
    keys = sorted(sessions)
    rng.shuffle(keys)
    taken: dict[str, int] = defaultdict(int)
    out = []
    for key in keys:
        src = key[0]
        if taken[src] >= QUOTA[src]:
            continue
        msgs = sessions[key]
        for r in rng.sample(msgs, min(PER_SESSION[src], len(msgs))):
            if taken[src] >= QUOTA[src]:
                break
            out.append({"id": r["id"], "source": src, "split": split_of(*key)})
            taken[src] += 1
    out.sort(key=lambda r: r["id"])
    with (HERE / "split.jsonl").open("w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    n_val = sum(r["split"] == "val" for r in out)
    print(f"{len(out)} messages, {n_val} validation, {len(out) - n_val} train", file=sys.stderr)


if __name__ == "__main__":
    main()
