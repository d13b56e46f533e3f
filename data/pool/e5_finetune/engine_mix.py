"""The engine's figures with the fine-tuned encoder mixed in: `python engine_mix.py RUN W [--val] [--parts intent,emotion]`.

Research only (docs/reader.md, "Fifteenth pass"). RUN is finetune.py's --out prefix, W the mix
weight mix.py chose on tune. Inside the engine, the reader's reading of the message with its
context (intent, emotion, urgency) is mixed with the encoder's probabilities for the same message
as mix.py mixes them; the topic, cues, retrieval and ranker then work as shipped. Prints
`kefu eval --pool tune` figures (and validation with --val) without and with the mix; --parts
mixes only the readings named.
"""
import sys

import numpy as np

from assistant import paths, text
from assistant import train as T
from assistant.analysis import clean_for_intent, scoring_text
from assistant.engine import Engine
from assistant.evaluate import evaluate, pool_items
from assistant.train import EMOTIONS


def _key(message: str) -> str:
    return scoring_text(clean_for_intent(text.simplified(message)))


def mixed(engine: Engine, table: dict[str, dict], w: float, parts=("intent", "emotion", "urgent")) -> dict:
    """Patch the engine's analyzer so that its first reading of each message is mixed."""
    an = engine.analyzer
    read, state = an._read_learned, {"p": None, "done": set()}

    def read_mixed(message, clean, scoring, context, entities):
        state["p"], state["done"] = table.get(scoring), set()
        state["seen"] = state.get("seen", 0) + 1
        state["hit"] = state.get("hit", 0) + (state["p"] is not None)
        try:
            return read(message, clean, scoring, context, entities)
        finally:
            state["p"] = None

    def wrap(name, model):
        proba = model.proba

        def p(features):
            out = proba(features)
            enc = state["p"]
            if enc is None or name in state["done"]:
                return out
            state["done"].add(name)
            if name == "urgent":
                yes = (out["yes"] + w * enc["u"]) / (1 + w)
                return {"yes": yes, "no": 1 - yes}
            logits = {k: np.log(max(v, 1e-9)) + w * np.log(enc[name].get(k, 1e-9) + 1e-9) for k, v in out.items()}
            top = max(logits.values())
            ex = {k: float(np.exp(v - top)) for k, v in logits.items()}
            s = sum(ex.values())
            return {k: v / s for k, v in ex.items()}
        model.proba = p

    for name in parts:
        wrap(name, getattr(an.reader, name))
    an._read_learned = read_mixed
    return state


def main() -> None:
    run, w = sys.argv[1], float(sys.argv[2])
    parts = tuple(sys.argv[sys.argv.index("--parts") + 1].split(",")) if "--parts" in sys.argv else ("intent", "emotion", "urgent")
    ints, emos = T.intent_ids(), list(EMOTIONS)
    for split in ["tune"] + (["val"] if "--val" in sys.argv else []):
        items = pool_items(split)
        D = np.load(f"{run}-{split}.npz")
        by_id = {i: n for n, i in enumerate(D["ids"])}
        table = {}
        for it in items:
            n = by_id[it["id"]]
            table[_key(it["message"])] = {"intent": dict(zip(ints, D["i"][n])), "emotion": dict(zip(emos, D["e"][n])),
                                          "u": float(D["u"][n, 1])}
        base = evaluate(Engine(paths.db_path(), reader="shipped", allow_readonly=True), items)
        eng = Engine(paths.db_path(), reader="shipped", allow_readonly=True)
        state = mixed(eng, table, w, parts)
        mix = evaluate(eng, items)
        print(f"{split}: mixed {state.get('hit', 0)} of {state.get('seen', 0)} readings")
        for k in base:
            if k not in ("n", "p95_ms", "mrr", "hold_shown", "judged"):
                print(f"  {k:20s} {base[k]} -> {mix[k]}")


if __name__ == "__main__":
    main()
