"""How far does a ranker refit alone move the tune-side reply figures? (fortieth pass,
docs/reader.md): `python data/shop/refit_noise.py [K]`, run from the repository root with
KEFU_HOME=. and a built knowledge.db. Validation is never read; counts only.

Every step that touches the knowledge base or the reader refits the reply ranker (a reproducible
build needs it), and a refit moves scores by about 0.001, which flips messages that sit at the
先回复 bar (0.9) or the folding bar (0.6). Here the ranker is refitted K times (3 by default) with
1% of its judged conversations left out at random (seeds 1 … K), a change no step would call its
own, and each refit is scored like a step on the tune side: shop `tune` … `tune19`, pool tune and
train, every shown reply judged. The spread of these figures around the shipped ranker's is
what a refit does by itself.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

from assistant import paths, train
from assistant.engine import Conversation, Engine
from assistant.evaluate import attach_judged, pool_items, read_jsonl

SHOP = Path(__file__).resolve().parent


def tune_side() -> list[dict]:
    items = []
    for f in sorted(SHOP.glob("tune*.jsonl")):
        items += attach_judged(read_jsonl(f), SHOP / "judged.jsonl")
    items += pool_items("tune") + pool_items("train")
    return [it for it in items if "answers" in it]


def figures(engine: Engine, items: list[dict]) -> dict[str, int]:
    """Tops, first lines and top-3 lists that are sendable or harmful, as the passes count them."""
    out = dict.fromkeys(("tops_s", "tops_h", "first_s", "first_h", "lists_h", "lists_s", "unjudged"), 0)
    for it in items:
        ok, harm = set(it["answers"]), set(it.get("harmful") or [])
        known = ok | harm | set(it.get("neither") or [])
        s = engine.suggest(Conversation.of(it["message"], it.get("context") or []))
        shown = [r["code"] for r in s.replies[:3]] if s.replies and not s.folded else []
        first = s.hold["code"] if s.hold else (s.replies[0]["code"] if s.replies else None)
        if shown:
            out["tops_s"] += shown[0] in ok
            out["tops_h"] += shown[0] in harm
            out["lists_h"] += any(c in harm for c in shown)
            out["lists_s"] += any(c in ok for c in shown)
        if first:
            out["first_s"] += first in ok
            out["first_h"] += first in harm
        out["unjudged"] += any(c not in known for c in shown + ([first] if first else []))
    return out


def main(k: int = 3, drop: float = 0.01) -> None:
    items = tune_side()
    engine = Engine(paths.db_path(), allow_readonly=True, memory=None)  # (the memory repeats these verdicts back)
    shipped = engine.ranker
    print("shipped ranker", figures(engine, items), flush=True)
    pool = train.load_pool()
    judged = train.judged_examples(pool=pool, shop_dir=train.SHOP_DIR)
    for seed in range(1, k + 1):
        rng = random.Random(seed)
        kept = [j for j in judged if rng.random() >= drop]
        engine.ranker = train.train_ranker(engine.reader, kept)
        print(f"refit {seed} ({len(judged) - len(kept)} of {len(judged)} left out)", figures(engine, items), flush=True)
    engine.ranker = shipped


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
