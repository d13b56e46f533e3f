"""Assemble the shop set from the writers' files: `python data/shop/build.py`.

data/shop/raw/tune_*.jsonl → data/shop/tune.jsonl, data/shop/raw/val_*.jsonl → data/shop/val.jsonl,
data/shop/raw/tune2_*.jsonl → data/shop/tune2.jsonl, and likewise tune3 to tune7 (tune halves written
after the first two: built last, so a message close to a validation message is dropped from them and
validation is unchanged).
Checks every line (label ids, entities that are substrings of the message, unique ids) and drops a
message that is the reader's own training text (data/written/), or a copy or near-copy (rapidfuzz
ratio ≥ 90) of a real pool or dev message, or of another shop message: the set is the project's
own writing. Prints counts only, never messages
(nobody working on the engine reads the validation half)."""
from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "data" / "written"))
from check import SHARED, real_texts  # noqa: E402

from assistant.train import written_examples  # noqa: E402

ENTITY_KEYS = {"order_no", "phone", "amount", "size", "product"}


def parts(raw: Path = HERE / "raw") -> tuple[str, ...]:
    """The halves in build order, from the writers' file names (tune_A.jsonl → tune): the first two,
    then the later tune halves in the order they were written (tune2, tune3 … tune49)."""
    later = {f.name.split("_")[0] for f in raw.glob("*_*.jsonl")} - {"tune", "val"}
    return ("tune", "val", *sorted(later, key=lambda p: int(p.removeprefix("tune"))))


def _labels(name: str) -> set[str]:
    return {line.split("\t")[0] for line in (SHARED / "spec" / name).read_text(encoding="utf-8").splitlines()[1:]}


def _close(msg: str, texts: list[str]) -> bool:
    """Is one of ``texts`` a near-copy of ``msg`` (rapidfuzz ratio 90 or more)? Compared in
    rapidfuzz's own loop: with 29 halves written, a Python loop took most of a minute."""
    return process.extractOne(msg, texts, scorer=fuzz.ratio, score_cutoff=90) is not None


def main() -> None:
    intents, emotions = _labels("intents.tsv"), _labels("emotions.tsv")
    real = real_texts()
    # the reader's own training text: a shop message that is one of them would score the reader on
    # what it was trained on (a bare 在吗在吗 is both)
    written = {e.text for e in written_examples()}
    by_len = defaultdict(list)
    for t in real:
        by_len[len(t)].append(t)
    seen_ids: set[str] = set()
    kept_texts: list[str] = []
    for part in parts():
        out, problems = [], Counter()
        for f in sorted((HERE / "raw").glob(f"{part}_*.jsonl")):
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                r = json.loads(line)
                msg = r.get("message", "")
                ents = r.get("entities") or {}
                if (r.get("intent") not in intents or r.get("emotion") not in emotions
                        or not isinstance(r.get("urgent"), bool) or not msg.strip()):
                    problems["bad label"] += 1
                    continue
                if r["id"] in seen_ids:
                    problems["duplicate id"] += 1
                    continue
                ents = {k: v for k, v in ents.items() if k in ENTITY_KEYS and isinstance(v, str) and v and v in msg}
                if len(ents) != len(r.get("entities") or {}):
                    problems["entity dropped"] += 1
                near = [t for d in range(-3, 4) for t in by_len.get(len(msg) + d, [])]
                if msg in written:
                    problems["copy of written training text"] += 1
                    continue
                if msg in real or _close(msg, near):
                    problems["near-copy of a real message"] += 1
                    continue
                if _close(msg, kept_texts):
                    problems["near-copy of another shop message"] += 1
                    continue
                ctx = [{"role": c["role"], "text": c["text"]} for c in r.get("context") or []
                       if c.get("role") in ("customer", "agent") and c.get("text")][-4:]
                seen_ids.add(r["id"])
                kept_texts.append(msg)
                out.append({"id": r["id"], "source": r.get("source", "shop"), "message": msg, "context": ctx,
                            "intent": r["intent"], "emotion": r["emotion"], "urgent": r["urgent"], "entities": ents})
        with (HERE / f"{part}.jsonl").open("w", encoding="utf-8") as fh:
            for r in out:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(part, len(out), "kept;", dict(problems) or "no problems",
              "| intents", len({r["intent"] for r in out}), "| with context", sum(bool(r["context"]) for r in out))


if __name__ == "__main__":
    main()
