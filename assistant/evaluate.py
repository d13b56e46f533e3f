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


def pool_items(split: str, sources: tuple[str, ...] | None = None) -> list[dict]:
    """Labelled pool messages of one split (data/pool/labels.jsonl joined with the pool's text),
    with the judged replies (data/pool/judged.jsonl) where there are any."""
    from assistant import train

    items = train.as_eval_items(train.pool_examples(split, sources))
    if train.JUDGED_FILE.exists():
        attach_judged(items, train.JUDGED_FILE)
    return items


def attach_judged(items: list[dict], path: Path | str) -> list[dict]:
    """Join judged replies (JSONL rows of id, answers, harmful, neither) to the items with the
    same id, so `evaluate` scores answer@1 and harmful replies for them."""
    judged = {r["id"]: r for r in read_jsonl(path) if isinstance(r, dict) and "id" in r}
    for it in items:
        j = judged.get(it.get("id"))
        if j:
            it["answers"] = j.get("answers") or []
            it["harmful"] = j.get("harmful") or []
            it["neither"] = j.get("neither") or []
    return items



_NOT_UPSET = ("calm", "satisfied", "confused")


def opening_misfits(engine, gold_emotion: str, opening: dict | None) -> bool:
    """Is the empathy opening wrong for the customer's labelled mood, as the issue counted it: an
    apology to a calm, pleased or puzzled customer, or a breezy opening ("好的亲，我看看哦") or none
    to an angry or let-down one? (The serious calm lines, level "care", are not breezy.)"""
    if gold_emotion in _NOT_UPSET:
        return opening is not None and bool(engine.APOLOGY.search(opening["text"]))
    if gold_emotion in ("angry", "disappointed"):
        return opening is None or (opening["emotion"] in _NOT_UPSET and opening["level"] != "care")
    return False

def evaluate(engine: Engine, items: list[dict], *, details: bool = False, report: bool = False) -> dict:
    if report:
        return evaluate_report(engine, items)
    n = len(items)
    correct = hit1 = hit3 = 0
    rr = 0.0
    times: list[float] = []
    emo_tp, emo_fp, emo_fn = Counter(), Counter(), Counter()
    u_tp = u_fp = u_fn = 0
    e_tp = e_fp = e_fn = 0
    judged = answered = harmful = first_ok = first_harm = held = unjudged = first_unjudged = folded = 0
    empathy_wrong = 0
    rows = []
    for item in items:
        if "message" not in item:
            raise ValueError(f"第 {len(rows) + 1} 条没有 message 字段（id={item.get('id')!r}）")
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
        if "answers" in item:  # judged: the replies an experienced agent would send, by code
            judged += 1
            # folded answers are not offered at a glance: no top reply, the 先回复 line stands alone
            top_code = s.replies[0]["code"] if s.replies and not s.folded else None
            bad = item.get("harmful") or []
            answered += top_code in item["answers"]
            harmful += top_code in bad
            # the first line the agent sees: the 先回复 line when there is one, else the top reply
            first = s.hold["code"] if s.hold else top_code
            held += s.hold is not None
            first_ok += first in item["answers"]
            first_harm += first in bad
            # a reply nobody has judged for this message counts as not sendable: say how often
            seen = {*item["answers"], *bad, *(item.get("neither") or [])}
            folded += s.folded
            unjudged += top_code is not None and top_code not in seen
            first_unjudged += first not in seen
        ge = item.get("emotion", "calm")
        empathy_wrong += opening_misfits(engine, ge, s.empathy[0] if s.empathy else None)
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
            rows.append({"id": item.get("id"), "source": item.get("source", ""), "gold": gold, "pred": pred_intent, "reply_intents": intents[:3],
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
        "empathy_wrong": round(empathy_wrong / n, 4) if n else 0.0,
        "p95_ms": round(percentile(times, 0.95), 2),
    }
    if judged:
        out["judged"] = judged
        out["answer@1"] = round(answered / judged, 4)
        out["harmful@1"] = harmful
        out["first_line@1"] = round(first_ok / judged, 4)
        out["first_line_harmful"] = first_harm
        out["hold_shown"] = round(held / judged, 4)
        out["folded"] = round(folded / judged, 4)
        out["top_unjudged"] = unjudged
        out["first_line_unjudged"] = first_unjudged
    if details:
        out["details"] = rows
    return out


def evaluate_report(engine: Engine, items: list[dict]) -> dict:
    """The overall figures, the same per source, per-intent precision/recall/F1 and a confusion
    matrix (gold -> predicted -> count, mistakes only)."""
    res = evaluate(engine, items, details=True)
    rows = res.pop("details")
    by_source: dict[str, list[dict]] = {}
    for item in items:
        by_source.setdefault(item.get("source") or "-", []).append(item)
    res["per_source"] = {src: {k: v for k, v in evaluate(engine, its).items()}
                         for src, its in sorted(by_source.items())} if len(by_source) > 1 else {}
    tp, fp, fn = Counter(), Counter(), Counter()
    confusion: dict[str, Counter] = {}
    for r in rows:
        if r["gold"] == r["pred"]:
            tp[r["gold"]] += 1
        else:
            fp[r["pred"]] += 1
            fn[r["gold"]] += 1
            confusion.setdefault(r["gold"], Counter())[r["pred"]] += 1
    per_intent = {}
    for k in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[k] / (tp[k] + fp[k]) if tp[k] + fp[k] else 0.0
        r = tp[k] / (tp[k] + fn[k]) if tp[k] + fn[k] else 0.0
        per_intent[k] = {"n": tp[k] + fn[k], "precision": round(p, 3), "recall": round(r, 3),
                         "f1": round(_f1(tp[k], fp[k], fn[k]), 3)}
    res["per_intent"] = per_intent
    res["confusion"] = {g: dict(c.most_common()) for g, c in sorted(confusion.items())}
    return res


def format_report(res: dict) -> str:
    lines = [f"{k}: {v}" for k, v in res.items() if not isinstance(v, dict)]
    if res.get("per_source"):
        lines.append("\nper source:")
        for src, r in res["per_source"].items():
            judged = (f" answer@1={r['answer@1']:.3f} harmful={r['harmful@1']}/{r['judged']}"
                      f" first_line@1={r['first_line@1']:.3f} first_line_harmful={r['first_line_harmful']} folded={r['folded']:.2f}"
                      if r.get("judged") else "")
            lines.append(f"  {src:<12} n={r['n']:<4} intent={r['intent_acc']:.3f} hit@3={r['reply_hit@3']:.3f} "
                         f"emotion={r['emotion_macro_f1']:.3f} urgent={r['urgent_f1']:.3f} entity={r['entity_f1']:.3f}"
                         + judged)
    lines.append("\nper intent (n, precision, recall, f1):")
    for k, r in sorted(res.get("per_intent", {}).items(), key=lambda kv: -kv[1]["n"]):
        lines.append(f"  {k:<17} {r['n']:>4} {r['precision']:.3f} {r['recall']:.3f} {r['f1']:.3f}")
    lines.append("\nconfusions (gold → predicted: count):")
    pairs = [(c, g, p) for g, row in res.get("confusion", {}).items() for p, c in row.items()]
    for c, g, p in sorted(pairs, reverse=True)[:25]:
        lines.append(f"  {g} → {p}: {c}")
    return "\n".join(lines)
