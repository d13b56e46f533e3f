"""Keep project-written training text our own: drop a written line that is (nearly) a copy of a
real message in ../shared (pool or dev set) or of a shop-set message (data/shop), a duplicate, or
one with an unknown label.
`python data/written/check.py FILE... --out DIR`"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def real_texts() -> list[str]:
    out = [json.loads(line)["message"] for line in (SHARED / "corpus" / "pool.jsonl").open(encoding="utf-8")]
    out += [json.loads(line)["message"] for line in (SHARED / "eval" / "dev.jsonl").open(encoding="utf-8")]
    return out


def shop_texts() -> list[str]:
    """The shop sets the project wrote to measure on (data/shop): a line written after a tune
    message must not carry it into training, nor come close to a validation one."""
    return [m for f in sorted((Path(__file__).resolve().parents[1] / "shop").glob("*.jsonl"))
            for line in f.open(encoding="utf-8") if line.strip() and (m := json.loads(line).get("message"))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    intents = {line.split("\t")[0] for line in (SHARED / "spec" / "intents.tsv").read_text().splitlines()[1:]}
    emotions = {line.split("\t")[0] for line in (SHARED / "spec" / "emotions.tsv").read_text().splitlines()[1:]}
    real = real_texts() + shop_texts()
    by_len = defaultdict(list)
    for t in real:
        by_len[len(t)].append(t)
    exact = set(real)
    for f in args.files:
        kept, dropped, seen = [], 0, set()
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            t = r["text"].strip()
            if (not t or t in seen or r["intent"] not in intents or r.get("emotion") not in emotions
                    or (r.get("intent2") and r["intent2"] not in intents)):
                dropped += 1
                continue
            near = t in exact or (len(t) >= 6 and any(
                fuzz.ratio(t, o) >= 90 for n in range(len(t) - 2, len(t) + 3) for o in by_len.get(n, ())))
            if near:
                dropped += 1
                continue
            seen.add(t)
            keys = ("text", "context", "intent", "intent2", "emotion", "intensity", "urgent")
            keys += ("feeling_only",) if r.get("feeling_only") else ()  # see assistant/train.py
            kept.append(json.dumps({k: r.get(k) for k in keys}, ensure_ascii=False))
        out = Path(args.out) / Path(f).name
        out.write_text("\n".join(kept) + "\n", encoding="utf-8")
        print(f"{f}: kept {len(kept)}, dropped {dropped} (copies, duplicates or unknown ids)")


if __name__ == "__main__":
    main()
