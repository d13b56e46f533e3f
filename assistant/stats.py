"""Usage statistics for `kefu stats` and the stats window (no Qt).

``compute(conn, since=…)`` returns one JSON-able dict:

* ``top_replies`` — replies by how many messages they were used for (picked / edited / sent);
* ``unused`` — enabled replies nobody used in the period;
* ``intents`` — customer messages per analysed intent and how many got a reply from the list;
* ``response`` — per-day first-response and average-response time, messages handled
  (definitions in assistant/response_time.py);
* ``gaps`` — knowledge gaps: messages where nothing was picked or the best reply scored low,
  grouped by similarity, for the weekly case review.

``export(report, path)`` writes it to .xlsx (one sheet per section) or .csv.
"""
from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz

from assistant import kb, text
from assistant.response_time import ResponseTimer, day_of
from assistant.usage import POSITIVE, learning_settings, replies_by_key, write_table

_SINCE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]|min|天|小时|周)?\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "小时": 3600, "d": 86400, "天": 86400, "w": 604800, "周": 604800}


def parse_since(value: str | float | None, now: float | None = None) -> float | None:
    """'7d', '24h', '90m', '2w', a date '2024-05-01', or 'all'/None → a timestamp (or None)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    v = value.strip().lower()
    if v in ("", "all", "全部"):
        return None
    now = time.time() if now is None else now
    m = _SINCE_RE.match(v)
    if m:
        unit = (m.group(2) or "d").lower()
        return now - float(m.group(1)) * _UNITS[unit]
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y/%m/%d"):
        try:
            return time.mktime(time.strptime(v, fmt))
        except ValueError:
            continue
    raise ValueError(f"看不懂的时间范围：{value}（例如 7d、24h、2w、2024-05-01 或 all）")


def _fmt(ts: float | None) -> str | None:
    return None if ts is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


# --- grouping similar messages ---------------------------------------------------------------

def _tokens(message: str) -> frozenset[str]:
    return frozenset(text.query_tokens(text.normalize(message), limit=40))


def similarity(a: str, b: str, ta: frozenset | None = None, tb: frozenset | None = None) -> float:
    """0..100: the larger of character similarity and shared content bigrams."""
    ta = _tokens(a) if ta is None else ta
    tb = _tokens(b) if tb is None else tb
    overlap = 0.0
    if ta and tb:
        small = min(len(ta), len(tb))
        inter = len(ta & tb)
        overlap = 100.0 * inter / small if small >= 2 else 100.0 * inter / len(ta | tb)
    return max(fuzz.ratio(text.normalize(a), text.normalize(b)), overlap)


def group_similar(items: list[dict], threshold: float = 50.0, key: str = "message",
                  members_compared: int = 12) -> list[list[dict]]:
    """Single-pass grouping: an item joins the group holding its most similar message
    (≥ ``threshold``; the first ``members_compared`` members of each group are compared), else
    starts a group. Candidate groups come from shared bigrams, so this stays fast."""
    groups: list[list[dict]] = []
    members: list[list[tuple[str, frozenset]]] = []
    index: dict[str, set[int]] = {}
    for it in items:
        msg = it.get(key) or ""
        norm = text.normalize(msg)
        if not norm:
            continue
        toks = _tokens(msg)
        cands: set[int] = set()
        for t in toks:
            cands |= index.get(t, set())
        best, best_g = threshold, -1
        for g in sorted(cands):
            for mnorm, mtoks in members[g]:
                s = similarity(mnorm, norm, mtoks, toks)
                if s >= best:
                    best, best_g = s, g
        if best_g < 0:  # no shared bigram: still catch near-identical short texts
            for g in range(max(0, len(members) - 200), len(members)):
                if fuzz.ratio(members[g][0][0], norm) >= max(threshold, 80):
                    best_g = g
                    break
        if best_g < 0:
            groups.append([])
            members.append([])
            best_g = len(groups) - 1
        groups[best_g].append(it)
        if len(members[best_g]) < members_compared:
            members[best_g].append((norm, toks))
            for t in toks:
                index.setdefault(t, set()).add(best_g)
    return groups


# --- the report ------------------------------------------------------------------------------

def compute(conn: sqlite3.Connection, *, since: float | None = None, now: float | None = None,
            settings: dict | None = None, top: int = 15, max_gaps: int = 50) -> dict:
    s = learning_settings(settings)
    now = time.time() if now is None else now
    low_score = float(s["low_score"])
    names = kb.intent_names(conn)
    where, args = "", []
    if since is not None:
        where, args = " AND ts >= ?", [since]

    received = [dict(r) for r in conn.execute(
        "SELECT msg_id, ts, message, intent, score, platform, conversation FROM usage_events "
        "WHERE kind='received'" + where + " ORDER BY ts", args)]
    uses: dict[str, set] = {}
    per_kind: dict[str, Counter] = {k: Counter() for k in ("picked", "edited", "sent", "shown", "dismissed")}
    answered: set[str] = set()
    last_used: dict[str, float] = {}
    for r in conn.execute(
            "SELECT id, kind, msg_id, reply_key, ts FROM usage_events WHERE kind IN "
            "('picked','edited','sent','shown','dismissed')" + where, args):
        kind, key = r["kind"], r["reply_key"]
        if kind in POSITIVE:
            if r["msg_id"]:
                answered.add(r["msg_id"])
            if key:
                uses.setdefault(key, set()).add(r["msg_id"] or f"e{r['id']}")
                last_used[key] = max(last_used.get(key, 0.0), r["ts"])
        if key:
            per_kind[kind][key] += 1

    current = replies_by_key(conn)
    top_rows = []
    for key, msgs in sorted(uses.items(), key=lambda kv: (-len(kv[1]), -last_used.get(kv[0], 0))):
        rep = current.get(key)
        shown = per_kind["shown"][key]
        top_rows.append({
            "id": rep["id"] if rep else None, "key": key, "code": rep["code"] if rep else None,
            "title": rep["title"] if rep else "（已删除的话术）", "intent": rep["intent"] if rep else None,
            "intent_name": names.get(rep["intent"], rep["intent"]) if rep else None,
            "text": rep["text"] if rep else None, "uses": len(msgs), "picked": per_kind["picked"][key],
            "edited": per_kind["edited"][key], "sent": per_kind["sent"][key], "shown": shown,
            "dismissed": per_kind["dismissed"][key],
            "use_rate": round(len(msgs) / shown, 3) if shown else None, "last_used": _fmt(last_used.get(key))})
    unused = [{"id": r["id"], "code": r["code"], "title": r["title"], "intent": r["intent"],
               "intent_name": names.get(r["intent"], r["intent"]), "source": r["source"],
               "shown": per_kind["shown"][k]}
              for k, r in replies_by_key(conn, enabled_only=True).items() if k not in uses]
    unused.sort(key=lambda r: (r["intent"], r["id"]))

    by_intent: dict[str, list[int]] = {}
    for m in received:
        row = by_intent.setdefault(m["intent"] or "other", [0, 0])
        row[0] += 1
        row[1] += m["msg_id"] in answered
    total_msgs = len(received) or 1
    intents = [{"intent": k, "name": names.get(k, k), "messages": v[0], "answered": v[1],
                "share": round(v[0] / total_msgs, 3)}
               for k, v in sorted(by_intent.items(), key=lambda kv: -kv[1][0])]

    timer = ResponseTimer(warn_after=float(s["warn_after_s"]), session_gap=float(s["session_gap_s"]))
    lead_in = None if since is None else since - float(s["session_gap_s"])
    timer.replay(ResponseTimer.rows_from(conn, since=lead_in, until=now))
    timer.finish(now)
    first_day = day_of(since) if since is not None else ""
    days = [d for d in timer.days() if d["date"] >= first_day]
    totals = timer.totals() if since is None else _totals(days)

    gap_items = []
    for m in received:
        if not (m["message"] or "").strip():
            continue
        unanswered = m["msg_id"] not in answered
        low = m["score"] is not None and m["score"] < low_score
        if unanswered or low:
            gap_items.append({**m, "unanswered": unanswered, "low": low})
    gap_items.sort(key=lambda m: -m["ts"])
    gap_items = gap_items[:5000]
    gaps = []
    for grp in group_similar(gap_items):
        texts = Counter(g["message"].strip() for g in grp)
        intent = Counter(g["intent"] or "other" for g in grp).most_common(1)[0][0]
        scores = [g["score"] for g in grp if g["score"] is not None]
        gaps.append({
            "example": texts.most_common(1)[0][0], "count": len(grp),
            "messages": [t for t, _ in texts.most_common(8)],
            "unanswered": sum(g["unanswered"] for g in grp), "low_score": sum(g["low"] for g in grp),
            "intent": intent, "intent_name": names.get(intent, intent),
            "best_score": round(max(scores), 3) if scores else None,
            "first_seen": _fmt(min(g["ts"] for g in grp)), "last_seen": _fmt(max(g["ts"] for g in grp))})
    gaps.sort(key=lambda g: g["last_seen"] or "", reverse=True)
    gaps.sort(key=lambda g: -g["count"])  # most frequent first, recent first among equals
    events_n = conn.execute("SELECT count(*) FROM usage_events WHERE 1=1" + where, args).fetchone()[0]
    enabled = conn.execute("SELECT count(*) FROM replies WHERE enabled=1").fetchone()[0]
    return {
        "since": _fmt(since), "until": _fmt(now), "events": events_n, "messages": len(received),
        "answered": sum(1 for m in received if m["msg_id"] in answered),
        "replies_total": enabled, "replies_used": len([k for k in uses if k in current]),
        "top_replies": top_rows[:top], "unused": unused, "unused_count": len(unused),
        "intents": intents,
        "response": {"warn_after_s": float(s["warn_after_s"]), "days": days, **totals},
        "gaps": gaps[:max_gaps], "gaps_total": len(gaps), "low_score": low_score,
    }


def _totals(days: list[dict]) -> dict:
    def wmean(field, weight):
        pairs = [(d[field], d[weight]) for d in days if d[field] is not None and d[weight]]
        n = sum(w for _, w in pairs)
        return round(sum(v * w for v, w in pairs) / n, 1) if n else None

    out = {k: sum(d[k] for d in days) for k in ("messages", "handled", "responses", "over_warn", "unanswered")}
    out["avg_response_s"] = wmean("avg_response_s", "responses")
    firsts = [d for d in days if d["first_response_s"] is not None]
    out["first_response_s"] = (round(sum(d["first_response_s"] for d in firsts) / len(firsts), 1)
                               if firsts else None)
    maxes = [d["max_response_s"] for d in days if d["max_response_s"] is not None]
    out["max_response_s"] = max(maxes) if maxes else None
    return out


# --- export ----------------------------------------------------------------------------------

def _secs(v) -> str | float:
    return "" if v is None else v


SECTIONS = ("概览", "常用话术", "未用话术", "意图", "响应时间", "知识缺口")


def export(report: dict, path: Path | str, sections: list[str] | tuple[str, ...] | None = None) -> Path:
    """The report as .xlsx (one sheet per section) or .csv (titled blocks), by extension;
    ``sections`` picks some of SECTIONS (e.g. ``["知识缺口"]`` for the weekly case review)."""
    r = report
    resp = r["response"]
    overview = [
        ["时间范围", f"{r['since'] or '全部'} — {r['until']}"],
        ["顾客消息", r["messages"]], ["已采用推荐", r["answered"]],
        ["话术总数", r["replies_total"]], ["用过的话术", r["replies_used"]], ["未用过的话术", r["unused_count"]],
        ["首次响应（秒，平均）", _secs(resp.get("first_response_s"))],
        ["平均响应（秒）", _secs(resp.get("avg_response_s"))],
        ["已接待消息", resp.get("handled", 0)], [f"超过 {resp['warn_after_s']:.0f} 秒的回复", resp.get("over_warn", 0)],
        ["知识缺口（组）", r["gaps_total"]],
    ]
    sheets = [
        ("概览", ["项目", "数值"], overview),
        ("常用话术", ["排名", "话术ID", "快捷码", "标题", "意图", "使用消息数", "选用", "修改", "发送", "展示", "采用率",
                  "最近使用", "话术内容"],
         [[i, t["id"], t["code"] or "", t["title"], t["intent_name"] or "", t["uses"], t["picked"], t["edited"],
           t["sent"], t["shown"], "" if t["use_rate"] is None else t["use_rate"], t["last_used"] or "",
           t["text"] or ""]
          for i, t in enumerate(r["top_replies"], 1)]),
        ("未用话术", ["话术ID", "快捷码", "标题", "意图", "来源", "展示次数"],
         [[u["id"], u["code"] or "", u["title"], u["intent_name"], u["source"], u["shown"]] for u in r["unused"]]),
        ("意图", ["意图", "名称", "消息数", "已采用", "占比"],
         [[i["intent"], i["name"], i["messages"], i["answered"], i["share"]] for i in r["intents"]]),
        ("响应时间", ["日期", "消息", "已接待", "回复次数", "首次响应(秒)", "平均响应(秒)", "最长(秒)", "超时", "未回复"],
         [[d["date"], d["messages"], d["handled"], d["responses"], _secs(d["first_response_s"]),
           _secs(d["avg_response_s"]), _secs(d["max_response_s"]), d["over_warn"], d["unanswered"]]
          for d in resp["days"]]),
        ("知识缺口", ["序号", "代表问题", "次数", "未采用", "分数低", "意图", "最高分", "相似问法", "最早", "最近"],
         [[i, g["example"], g["count"], g["unanswered"], g["low_score"], g["intent_name"],
           "" if g["best_score"] is None else g["best_score"], " | ".join(g["messages"]),
           g["first_seen"] or "", g["last_seen"] or ""] for i, g in enumerate(r["gaps"], 1)]),
    ]
    if sections:
        unknown = set(sections) - set(SECTIONS)
        if unknown:
            raise ValueError(f"没有这些统计表：{'、'.join(sorted(unknown))}")
        sheets = [sh for sh in sheets if sh[0] in sections]
    return write_table(Path(path), sheets)
