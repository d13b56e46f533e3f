"""Does learning from the shop's own picks make the top reply better on real messages?
(docs/reader.md, "Tenth pass"). A diagnostic: nothing it computes ships.

`python data/pool/replay_judged.py [test=tune|val] [src=jddc_chat,jddc_pairs] [w=0.25,0.6,1.0] [pc=5]`

The agent of each judged train-split conversation picks the best-placed sendable reply among the
three the sidebar shows, or, when none of them is sendable, searches for the first sendable one.
Those picks teach a fresh `UsageModel` (keyed, as in the sidebar, by the reader's intent); the
judged messages of the test split are then scored: how often the top reply is sendable
(answer@1) and how often harmful, before and after.
"""
from __future__ import annotations

import sys

from assistant.engine import Conversation, Engine
from assistant.evaluate import pool_items
from assistant.usage import UsageModel, detach, reply_key

NOW = 2_000_000_000.0  # a fixed clock: every pick a minute apart, none decayed away


def judged(split: str, sources: list[str] | None) -> list[dict]:
    items = [i for i in pool_items(split) if "answers" in i]
    return [i for i in items if not sources or i["source"] in sources]


def picks(engine: Engine, items: list[dict], key_of: dict, shown: int = 3) -> tuple[list, int]:
    out, searched = [], 0
    for it in items:
        s = engine.suggest(Conversation.of(it["message"], it.get("context") or []), limit=shown)
        code = next((r["code"] for r in s.replies if r["code"] in it["answers"]), None)
        if code is None:
            code = next((c for c in it["answers"] if c and c.lower() in key_of), None)
            searched += code is not None
        if code is not None:
            out.append((key_of[code.lower()], s.analysis.intent if s.analysis else "other"))
    return out, searched


def score(engine: Engine, items: list[dict]) -> tuple[float, int]:
    sendable = harmful = 0
    for it in items:
        s = engine.suggest(Conversation.of(it["message"], it.get("context") or []), limit=3)
        top = s.replies[0]["code"] if s.replies else None
        sendable += top in it["answers"]
        harmful += top in (it.get("harmful") or [])
    return round(sendable / len(items), 4), harmful


def main(argv: list[str]) -> None:
    args = dict(a.split("=", 1) for a in argv if "=" in a)
    sources = args["src"].split(",") if args.get("src") else None
    weights = [float(w) for w in args.get("w", "0.25,0.6,1.0").split(",")]
    counts = [float(p) for p in args.get("pc", "5").split(",")]
    engine = Engine()
    key_of = {code.lower(): reply_key(code, intent, body) for code, intent, body in engine.conn.execute(
        "SELECT code, intent, text FROM replies WHERE enabled=1 AND code IS NOT NULL")}
    learn, test = judged("train", sources), judged(args.get("test", "tune"), sources)
    detach(engine)
    chosen, searched = picks(engine, learn, key_of)
    print(f"learn: {len(learn)} judged conversations, {len(chosen)} picks ({searched} searched); "
          f"test: {args.get('test', 'tune')}, {len(test)} judged")
    print("before learning: answer@1 %.4f, harmful tops %d" % score(engine, test))
    for pc in counts:
        model = UsageModel(pseudo_count=pc, clock=lambda: NOW)
        for n, (key, intent) in enumerate(chosen):
            model.observe("picked", key, intent, "", NOW - 60 * (len(chosen) - n), msg_id=str(n))
        for w in weights:
            model.attach(engine, weight=w)
            print("pseudo-count %g, prior weight %g: answer@1 %.4f, harmful tops %d" % (pc, w, *score(engine, test)))
            detach(engine)


if __name__ == "__main__":
    main(sys.argv[1:])
