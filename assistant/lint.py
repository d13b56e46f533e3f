"""`kefu kb lint`: what in the knowledge base would embarrass the shop or confuse the engine.

- banned: an enabled reply containing a 违禁词 (the same list and matching as `kefu check`);
- unknown_variable: a {变量} the engine cannot fill (not in variables.yaml);
- empty: a reply with no text;
- duplicate: two enabled replies with the same text (after normalising spaces and punctuation);
- intent_without_reply: an intent the reader can answer with that has no enabled reply;
- code_clash: two replies whose shortcodes differ only in case or a leading slash, or a shortcode
  the search box cannot type.
"""
from __future__ import annotations

import sqlite3
from collections import Counter

from assistant import kb, templates, text
from assistant.kbedit import CODE_RE, normalize_code

KINDS = {"banned": "违禁词", "unknown_variable": "未知变量", "empty": "空话术", "duplicate": "重复话术",
         "intent_without_reply": "意图没有话术", "code_clash": "快捷码冲突"}


def lint(conn: sqlite3.Connection) -> list[dict]:
    problems: list[dict] = []

    def add(kind, message, row=None):
        problems.append({"kind": kind, "message": message, "reply_id": row["id"] if row else None,
                         "code": row["code"] if row else None, "title": row["title"] if row else None})

    rows = [dict(r) for r in conn.execute(
        "SELECT id, code, intent, title, text, enabled FROM replies ORDER BY id")]
    variables = {r[0] for r in conn.execute("SELECT name FROM variables")}
    banned = [(r[0], r[0].lower()) for r in conn.execute("SELECT word FROM banned") if r[0]]
    seen: dict[str, dict] = {}
    for r in rows:
        body = (r["text"] or "").strip()
        if not body:
            add("empty", f"「{r['title']}」没有内容", r)
            continue
        unknown = [v for v in templates.names(body) if v not in variables]
        if unknown:
            add("unknown_variable", f"「{r['title']}」用了不认识的变量 " + "、".join("{" + v + "}" for v in unknown), r)
        if not r["enabled"]:
            continue
        low = body.lower()
        hits = [w for w, lw in banned if lw in low]
        if hits:
            add("banned", f"「{r['title']}」含违禁词 " + "、".join(f"“{w}”" for w in hits), r)
        norm = text.normalize(body)
        if norm in seen:
            add("duplicate", f"「{r['title']}」和「{seen[norm]['title']}」（#{seen[norm]['id']}）内容相同", r)
        else:
            seen[norm] = r
    answered = {r["intent"] for r in rows if r["enabled"] and (r["text"] or "").strip()}
    for iid, name in kb.intent_names(conn).items():
        if iid not in answered:
            problems.append({"kind": "intent_without_reply", "message": f"意图“{name}”（{iid}）没有可用的话术",
                             "reply_id": None, "code": None, "title": None, "intent": iid})
    by_code: dict[str, list[dict]] = {}
    for r in rows:
        if r["code"]:
            by_code.setdefault(normalize_code(r["code"]), []).append(r)
            if not CODE_RE.fullmatch(normalize_code(r["code"])):
                add("code_clash", f"「{r['title']}」的快捷码 /{r['code']} 在搜索框里打不出来（只能用小写字母、数字、_ -）", r)
    for code, same in by_code.items():
        if len(same) > 1:
            for r in same[1:]:
                add("code_clash", f"「{r['title']}」和「{same[0]['title']}」的快捷码都是 /{code}", r)
    return problems


def summary(problems: list[dict]) -> dict:
    return {"count": len(problems), "by_kind": dict(Counter(p["kind"] for p in problems)), "problems": problems}
