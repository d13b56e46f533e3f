"""Is a step's change on the tune side more than a ranker refit does by itself? (fifty-first pass,
docs/reader.md): a refit moves scores by about 0.001 and flips messages that sit at the 先回复 and
folding bars (`refit_noise.py`), so one refit per tree can blame a step for noise or credit it.

`python data/shop/paired_refit.py run OUT.json [K]`, from a tree's root with KEFU_HOME=. and its
knowledge.db built: refits the ranker on every judged conversation (seed 0) and K times (3 by
default) with 1% left out at random (seeds 1 … K: the same conversations in any tree with the same
judged files), and writes what each refit shows on the tune side (first line, folded, top 3 per
message). Run it in the start tree and in the step's tree.

`python data/shop/paired_refit.py compare START.json STEP.json [MORE_VERDICTS.jsonl …] [--unjudged OUT.json]`:
the tune-side figures of each paired refit and their mean change, scored with data/shop/judged.jsonl
and data/pool/judged.jsonl (plus any rows given, same format), and the shown replies nobody judged yet.
Counts only; validation is never read.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from assistant import paths, train
from assistant.engine import Conversation, Engine
from assistant.evaluate import read_jsonl

SHOP = Path(__file__).resolve().parent
REPO = SHOP.parents[1]
sys.path.insert(0, str(SHOP))
from refit_noise import tune_side  # noqa: E402  (the judged tune-side messages)

FIGURES = ("tops_s", "tops_h", "first_s", "first_h", "lists_s", "lists_h")


def shown(engine: Engine, items: list[dict]) -> dict[str, list]:
    out = {}
    for it in items:
        s = engine.suggest(Conversation.of(it["message"], it.get("context") or []))
        out[it["id"]] = [s.hold["code"] if s.hold else None, bool(s.folded), [r["code"] for r in s.replies[:3]]]
    return out


def run(out: Path, k: int = 3, drop: float = 0.01) -> None:
    items = tune_side()
    # without the verdict memory: it holds these very messages' verdicts, so on the tune side it
    # would only repeat them back (fifty-sixth pass); a step is judged by what the engine does alone
    engine = Engine(paths.db_path(), allow_readonly=True, memory=None)
    judged = train.judged_examples(pool=train.load_pool(), shop_dir=train.SHOP_DIR)
    res = {}
    for seed in range(k + 1):
        rng = random.Random(seed)
        kept = judged if seed == 0 else [j for j in judged if rng.random() >= drop]
        engine.ranker = train.train_ranker(engine.reader, kept)
        res[str(seed)] = shown(engine, items)
        print(f"refit {seed}: {len(judged) - len(kept)} of {len(judged)} left out", flush=True)
    out.write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")


def verdicts(extra: list[Path]) -> dict[str, dict[str, set]]:
    rows = read_jsonl(SHOP / "judged.jsonl") + read_jsonl(REPO / "data" / "pool" / "judged.jsonl")
    for p in extra:
        rows += read_jsonl(p)
    v: dict[str, dict[str, set]] = {}
    for r in rows:
        d = v.setdefault(r["id"], {"answers": set(), "harmful": set(), "neither": set()})
        for key in d:
            d[key] |= set(r.get(key) or [])
    for d in v.values():  # a later verdict for the same reply: harmful wins, then sendable
        d["answers"] -= d["harmful"]
        d["neither"] -= d["harmful"] | d["answers"]
    return v


def figures(run_: dict[str, list], v: dict[str, dict[str, set]], unjudged: set) -> dict[str, int]:
    """As `kefu eval` counts them: a folded list has no top; the first line is the 先回复 line or the top."""
    f = dict.fromkeys(FIGURES, 0)
    for mid, (hold, folded, codes) in run_.items():
        ok, bad = v[mid]["answers"], v[mid]["harmful"]
        lst = [] if folded else codes
        top = lst[0] if lst else None
        first = hold or top
        f["tops_s"] += top in ok
        f["tops_h"] += top in bad
        f["first_s"] += first in ok
        f["first_h"] += first in bad
        if lst:
            f["lists_s"] += any(c in ok for c in lst)
            f["lists_h"] += any(c in bad for c in lst)
        seen = ok | bad | v[mid]["neither"]
        unjudged |= {(mid, c) for c in [first, *lst] if c and c not in seen}
    return f


def compare(a: Path, b: Path, extra: list[Path], unjudged_out: Path | None) -> None:
    ra, rb = json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8"))
    v = verdicts(extra)
    missing: set = set()
    diffs = []
    for seed in ra:
        fa, fb = figures(ra[seed], v, missing), figures(rb[seed], v, missing)
        diffs.append({k: fb[k] - fa[k] for k in FIGURES})
        print(f"refit {seed}: start {fa}\n         step  {fb}")
    mean = {k: round(sum(d[k] for d in diffs) / len(diffs), 2) for k in FIGURES}
    print("change per refit:", diffs)
    print("mean change:", mean)
    print(f"shown replies nobody judged: {len(missing)}")
    if unjudged_out:
        unjudged_out.write_text(json.dumps(sorted(missing), ensure_ascii=False), encoding="utf-8")


def main(argv: list[str]) -> None:
    if argv[:1] == ["run"]:
        run(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 3)
    elif argv[:1] == ["compare"]:
        out = None
        if "--unjudged" in argv:
            i = argv.index("--unjudged")
            out, argv = Path(argv[i + 1]), argv[:i] + argv[i + 2:]
        compare(Path(argv[1]), Path(argv[2]), [Path(p) for p in argv[3:]], out)
    else:
        print(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
