"""`kefu learn-replay`: does learning from picks move the agent's chosen reply up? (no Qt)

A replay file is JSONL, one customer message per line::

    {"message": "...", "context": [...], "platform": "千牛", "ts": 1700000000,
     "chosen_code": "dthlc", "chosen_id": 12, "split": "learn" | "test", "intent": "size_fit"}

``chosen_code`` (preferred: survives KB rebuilds) or ``chosen_id`` or ``chosen_text`` names the
reply the agent used. Lines marked ``learn`` are fed to a fresh in-memory ``UsageModel`` as picks;
``test`` lines (held back) are ranked before and after, and the report gives top-1, hit@3 and MRR
of the chosen reply. Without ``split`` the first ``learn_fraction`` of the lines (by time) learn.
Nothing is written to the database: the shop's own usage log is not touched.

``simulate()`` writes such a file from the knowledge base's own trigger phrasings: for a set of
intents the simulated agent prefers a reply that is *not* the one ranked first by default.
"""
from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from pathlib import Path

from assistant.engine import Conversation
from assistant.evaluate import read_jsonl  # noqa: F401  (one JSONL reader for eval and replay)
from assistant.usage import UsageModel, detach, learning_settings, reply_key

# Our own framing around the trigger phrasings, so simulated messages are not verbatim triggers.
PREFIXES = ["", "", "", "亲，", "你好，", "请问", "在吗，", "老板，", "客服，", "麻烦问下，"]
SUFFIXES = ["", "", "", "？", "呢", "呀", "～", "。", "？？", "，急"]
START_TS = 1_767_225_600.0  # fixed clock (2026-01-01) so a simulated file replays identically


def write_jsonl(rows: list[dict], path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def _conv(row: dict) -> Conversation:
    return Conversation.of(str(row.get("message") or ""), row.get("context") or [],
                           platform=str(row.get("platform") or ""))


def _rank_of(engine, row: dict, reply_id: int, limit: int) -> int | None:
    s = engine.suggest(_conv(row), limit=limit)
    for i, r in enumerate(s.replies, 1):
        if r["id"] == reply_id:
            return i
    return None


def _metrics(ranks: list[int | None]) -> dict:
    n = len(ranks)
    if not n:
        return {"n": 0, "top1": None, "hit@3": None, "mrr": None}
    return {"n": n, "top1": round(sum(1 for r in ranks if r == 1) / n, 4),
            "hit@3": round(sum(1 for r in ranks if r and r <= 3) / n, 4),
            "mrr": round(sum(1.0 / r for r in ranks if r) / n, 4)}


def _resolve(engine, row: dict, by_code: dict, by_id: dict, by_text: dict) -> tuple[int, str] | None:
    code = row.get("chosen_code")
    if code and str(code).lower() in by_code:
        return by_code[str(code).lower()]
    rid = row.get("chosen_id")
    if rid is not None and int(rid) in by_id:
        return int(rid), by_id[int(rid)]
    body = row.get("chosen_text")
    if body and body.strip() in by_text:
        return by_text[body.strip()]
    return None


def replay(engine, rows: list[dict], *, limit: int = 10, half_life_days: float | None = None,
           prior_weight: float | None = None, learn_fraction: float = 0.7) -> dict:
    """Rank the held-back messages before and after learning from the ``learn`` picks."""
    by_code, by_id, by_text = {}, {}, {}
    for r in engine.conn.execute("SELECT id, code, intent, text FROM replies WHERE enabled=1"):
        key = reply_key(r[1], r[2], r[3])
        by_id[r[0]] = key
        if r[1]:
            by_code[r[1].lower()] = (r[0], key)
        by_text.setdefault(r[3].strip(), (r[0], key))
    usable, skipped = [], 0
    for n, row in enumerate(rows):
        target = _resolve(engine, row, by_code, by_id, by_text)
        if target is None or not str(row.get("message") or "").strip():
            skipped += 1
            continue
        usable.append((n, row, target))
    if not usable:
        raise ValueError("回放文件里没有能对应到知识库话术的记录（chosen_code / chosen_id / chosen_text）")
    if any("split" in row for _, row, _ in usable):
        learn = [u for u in usable if u[1].get("split") == "learn"]
        test = [u for u in usable if u[1].get("split") == "test"]
    else:
        ordered = sorted(usable, key=lambda u: (u[1].get("ts") or 0, u[0]))
        cut = int(round(len(ordered) * learn_fraction))
        learn, test = ordered[:cut], ordered[cut:]
    stamps = [float(u[1]["ts"]) for u in usable if u[1].get("ts") is not None]
    now = (max(stamps) + 1.0) if stamps else START_TS + 86400.0

    saved_prior = (engine.usage_prior, engine.prior_weight)
    try:
        detach(engine)
        before = [_rank_of(engine, row, target[0], limit) for _, row, target in test]
        model = UsageModel(half_life_days=half_life_days, clock=lambda: now)
        for i, (n, row, (rid, key)) in enumerate(sorted(learn, key=lambda u: (u[1].get("ts") or 0, u[0]))):
            conv = _conv(row)
            a = engine.analyzer.analyse(conv.message, conv.context)
            ts = float(row["ts"]) if row.get("ts") is not None else now - (len(learn) - i) * 60.0
            model.observe("picked", key, a.intent, conv.platform, ts, msg_id=str(row.get("id", n)))
        model.attach(engine, weight=prior_weight)
        after = [_rank_of(engine, row, target[0], limit) for _, row, target in test]
    finally:
        engine.set_prior(*saved_prior)

    per_intent = []
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (_, row, _) in enumerate(test):
        groups[str(row.get("intent") or "?")].append(i)
    for intent, idx in sorted(groups.items()):
        b, a_ = _metrics([before[i] for i in idx]), _metrics([after[i] for i in idx])
        per_intent.append({"intent": intent, "n": len(idx), "top1_before": b["top1"], "top1_after": a_["top1"],
                           "mrr_before": b["mrr"], "mrr_after": a_["mrr"]})
    mb, ma = _metrics(before), _metrics(after)
    return {
        "n_learn": len(learn), "n_test": len(test), "skipped": skipped, "limit": limit,
        "half_life_days": model.half_life_s / 86400.0, "pseudo_count": model.pseudo_count,
        "prior_weight": learning_settings({"prior_weight": prior_weight})["prior_weight"],
        "before": mb, "after": ma,
        "top1_lift_points": round(100 * ((ma["top1"] or 0) - (mb["top1"] or 0)), 1),
        "mrr_lift": round((ma["mrr"] or 0) - (mb["mrr"] or 0), 4),
        "per_intent": per_intent,
    }


# --- the simulated agent ------------------------------------------------------------------------

def _vary(rnd: random.Random, phrase: str) -> str:
    return rnd.choice(PREFIXES) + phrase + rnd.choice(SUFFIXES)


def simulate(engine, *, picks: int = 240, intents: int = 8, test_per_intent: int = 15, seed: int = 7,
             prefer_rate: float = 0.85, platform: str = "千牛", days: float = 10.0) -> list[dict]:
    """A replay file's rows: ``picks`` learn rows spread over ``intents`` intents and
    ``test_per_intent`` held-back rows per intent, built from the KB's trigger phrasings (learn
    and test use different phrasings). In each intent the simulated agent prefers the reply that
    ranks best among those the engine does *not* put first by default (first for ≤ 15% of the
    messages); it picks it with probability ``prefer_rate``, else the default first."""
    rnd = random.Random(seed)
    conn = engine.conn
    replies_of: dict[str, list[dict]] = defaultdict(list)
    for r in conn.execute("SELECT id, code, intent FROM replies WHERE enabled=1 ORDER BY id"):
        replies_of[r[2]].append({"id": r[0], "code": r[1]})
    phrasings: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute("SELECT DISTINCT intent, text FROM triggers ORDER BY intent, text"):
        if len(r[1].strip()) >= 5:
            phrasings[r[0]].append(r[1].strip())
    eligible = sorted(i for i in phrasings
                      if i != "other" and len(replies_of.get(i, [])) >= 6
                      and len(phrasings[i]) >= test_per_intent + 20)
    if not eligible:
        raise ValueError("知识库里没有足够的触发问法来生成模拟数据")
    chosen_intents = sorted(rnd.sample(eligible, min(intents, len(eligible))))
    per_intent = math.ceil(picks / len(chosen_intents))
    span = days * 86400.0
    saved_prior = (engine.usage_prior, engine.prior_weight)
    detach(engine)
    rows: list[dict] = []
    try:
        plan = []
        for intent in chosen_intents:
            pool = phrasings[intent][:]
            rnd.shuffle(pool)
            test_p, learn_p = pool[:test_per_intent], pool[test_per_intent:]
            learn_msgs = [_vary(rnd, learn_p[k % len(learn_p)]) for k in range(per_intent)]
            ranked = [engine.suggest(Conversation(m, platform=platform), limit=10).replies for m in learn_msgs]
            firsts = Counter(r[0]["id"] for r in ranked if r)
            mean_rank: dict[int, float] = {}
            own_ids = {x["id"] for x in replies_of[intent]}
            for rid in own_ids:
                pos = [next((i for i, x in enumerate(r, 1) if x["id"] == rid), 11) for r in ranked]
                mean_rank[rid] = sum(pos) / len(pos)
            default_first = firsts.most_common(1)[0][0] if firsts else None
            cands = [rid for rid in own_ids
                     if rid != default_first and firsts.get(rid, 0) <= 0.15 * len(learn_msgs)]
            preferred = min(cands, key=lambda rid: (mean_rank[rid], rid))
            plan.append((intent, learn_msgs, ranked, test_p, preferred, default_first))
        code_of = {x["id"]: x["code"] for xs in replies_of.values() for x in xs}
        learn_rows = []
        for intent, learn_msgs, ranked, _, preferred, _ in plan:
            for m, r in zip(learn_msgs, ranked):
                pick = preferred if (rnd.random() < prefer_rate or not r) else r[0]["id"]
                learn_rows.append({"message": m, "platform": platform, "split": "learn", "intent": intent,
                                   "chosen_id": pick, "chosen_code": code_of.get(pick),
                                   "preferred": pick == preferred})
        rnd.shuffle(learn_rows)
        learn_rows = learn_rows[:max(picks, 0)] if len(learn_rows) > picks else learn_rows
        for i, row in enumerate(learn_rows):
            row["ts"] = round(START_TS + span * i / max(1, len(learn_rows)), 1)
        rows.extend(learn_rows)
        t0 = START_TS + span
        k = 0
        for intent, _, _, test_p, preferred, default_first in plan:
            for p in test_p:
                rows.append({"message": _vary(rnd, p), "platform": platform, "split": "test", "intent": intent,
                             "chosen_id": preferred, "chosen_code": code_of.get(preferred),
                             "default_first_id": default_first, "ts": round(t0 + 60.0 * k, 1)})
                k += 1
    finally:
        engine.set_prior(*saved_prior)
    for i, row in enumerate(rows, 1):
        row["id"] = f"sim-{i:04d}"
    return rows
