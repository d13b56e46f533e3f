"""`kefu eval`: metrics of the engine on labelled messages (format: shared/eval/README.md)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from assistant.analysis import EMOTIONS
from assistant.engine import Conversation, Engine


def read_jsonl(path: Path | str) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: 不是合法的 JSON：{exc}") from exc
    return items


def _f1(tp: int, fp: int, fn: int) -> float:
    if tp == 0:
        return 0.0
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 2 * p * r / (p + r)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    vals = sorted(values)
    idx = min(len(vals) - 1, max(0, round(q * (len(vals) - 1))))
    return vals[idx]


def evaluate(engine: Engine, items: list[dict], *, details: bool = False) -> dict:
    n = len(items)
    correct = hit1 = hit3 = 0
    rr = 0.0
    times: list[float] = []
    emo_tp, emo_fp, emo_fn = Counter(), Counter(), Counter()
    u_tp = u_fp = u_fn = 0
    e_tp = e_fp = e_fn = 0
    rows = []
    for item in items:
        conv = Conversation.of(item["message"], item.get("context") or [])
        s = engine.suggest(conv)
        times.append(s.elapsed_ms)
        a = s.analysis
        pred_intent = a.intent if a else "other"
        pred_emotion = a.emotion if a else "calm"
        pred_urgent = a.urgent if a else False
        pred_ent = a.entities if a else {}
        gold = item["intent"]
        correct += pred_intent == gold
        intents = [r["intent"] for r in s.replies]
        hit1 += gold in intents[:1]
        hit3 += gold in intents[:3]
        if gold in intents:
            rr += 1 / (intents.index(gold) + 1)
        ge = item.get("emotion", "calm")
        if pred_emotion == ge:
            emo_tp[ge] += 1
        else:
            emo_fp[pred_emotion] += 1
            emo_fn[ge] += 1
        gu = bool(item.get("urgent"))
        u_tp += gu and pred_urgent
        u_fp += (not gu) and pred_urgent
        u_fn += gu and not pred_urgent
        gold_ent = set((item.get("entities") or {}).items())
        pe = set(pred_ent.items())
        e_tp += len(gold_ent & pe)
        e_fp += len(pe - gold_ent)
        e_fn += len(gold_ent - pe)
        if details:
            rows.append({"id": item.get("id"), "gold": gold, "pred": pred_intent, "reply_intents": intents[:3],
                         "emotion": [ge, pred_emotion], "urgent": [gu, pred_urgent],
                         "message": item["message"][:60]})
    labels = [e for e in EMOTIONS if emo_tp[e] + emo_fn[e] + emo_fp[e] > 0]
    macro = sum(_f1(emo_tp[e], emo_fp[e], emo_fn[e]) for e in labels) / len(labels) if labels else 0.0
    out = {
        "n": n,
        "intent_acc": round(correct / n, 4) if n else 0.0,
        "reply_hit@1": round(hit1 / n, 4) if n else 0.0,
        "reply_hit@3": round(hit3 / n, 4) if n else 0.0,
        "mrr": round(rr / n, 4) if n else 0.0,
        "emotion_macro_f1": round(macro, 4),
        "urgent_f1": round(_f1(u_tp, u_fp, u_fn), 4),
        "entity_f1": round(_f1(e_tp, e_fp, e_fn), 4),
        "p95_ms": round(percentile(times, 0.95), 2),
    }
    if details:
        out["details"] = rows
    return out
