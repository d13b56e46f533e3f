"""Edit variants: when the agent keeps editing a reply the same way, offer the edited text as a
new reply (``source='user'``); the shop's own replies added from use.
"""
from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz

from assistant import text
from assistant.usage.base import learning_settings, replies_by_key, reply_keys
from assistant.usage.log import UsageLog

log = logging.getLogger(__name__)


# --- variants from repeated edits ----------------------------------------------------------

@dataclass
class VariantProposal:
    reply_id: int
    reply_key: str
    intent: str
    stage: str
    title: str
    original: str
    text: str
    edits: int  # edits of this reply that read like ``text``

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def propose_variants(conn: sqlite3.Connection, *, min_edits: int | None = None, similarity: float = 85.0,
                     since: float | None = None, reply: int | str | None = None) -> list[VariantProposal]:
    """Replies the agent edited the same way at least ``min_edits`` times (default 3): propose the
    edited text as a new reply. Texts already saved as a reply, or declined, are not proposed."""
    min_edits = int(min_edits or learning_settings()["variant_min_edits"])
    sql = "SELECT reply_key, final_text, ts FROM usage_events WHERE kind='edited' AND final_text IS NOT NULL"
    args: list = []
    if since is not None:
        sql += " AND ts >= ?"
        args.append(since)
    current = replies_by_key(conn)
    if reply is not None:
        key = reply if isinstance(reply, str) else reply_keys(conn, [int(reply)]).get(int(reply))
        if not key:
            return []
        sql += " AND reply_key = ?"
        args.append(key)
    edits: dict[str, list[tuple[str, float]]] = {}
    for r in conn.execute(sql + " ORDER BY ts", args):
        if r[0] and r[1] and r[1].strip():
            edits.setdefault(r[0], []).append((r[1].strip(), r[2]))
    declined = {(r[0], _squash(r[1])) for r in conn.execute(
        "SELECT reply_key, final_text FROM usage_events WHERE kind='dismissed' AND final_text IS NOT NULL")}
    existing = {_squash(r[0]) for r in conn.execute("SELECT text FROM replies")}
    out = []
    for key, items in edits.items():
        rep = current.get(key)
        if rep is None or len(items) < min_edits:
            continue
        original = _squash(rep["text"])
        clusters: list[list[tuple[str, float]]] = []
        for t, ts in items:
            if _squash(t) == original:
                continue
            for cl in clusters:
                if fuzz.ratio(_squash(cl[0][0]), _squash(t)) >= similarity:
                    cl.append((t, ts))
                    break
            else:
                clusters.append([(t, ts)])
        for cl in sorted(clusters, key=lambda c: -len(c)):
            if len(cl) < min_edits:
                break
            counts: dict[str, list] = {}
            for t, ts in cl:
                c = counts.setdefault(t, [0, 0.0])
                c[0] += 1
                c[1] = max(c[1], ts)
            best = max(counts.items(), key=lambda kv: (kv[1][0], kv[1][1]))[0]
            if _squash(best) in existing or (key, _squash(best)) in declined:
                continue
            out.append(VariantProposal(rep["id"], key, rep["intent"], rep["stage"], rep["title"],
                                       rep["text"], best, len(cl)))
            break
    out.sort(key=lambda p: -p.edits)
    return out


def propose_variant(conn: sqlite3.Connection, reply: int | str, **kw) -> VariantProposal | None:
    """The proposal for one reply (by id or reply_key), or None."""
    found = propose_variants(conn, reply=reply, **kw)
    return found[0] if found else None


def save_variant(conn: sqlite3.Connection, proposal: VariantProposal, *, title: str | None = None,
                 engine=None) -> int:
    """One click: save the proposal as a user reply with the original's intent, stage and trigger
    phrasings. Returns the new reply id (``engine.reload()`` is called when given)."""
    triggers = [r[0] for r in conn.execute(
        "SELECT t.text FROM triggers t WHERE t.reply_id = ?", (proposal.reply_id,))]
    return add_user_reply(conn, intent=proposal.intent, body=proposal.text,
                          title=title or (proposal.title + "（改）")[:20], triggers=triggers,
                          stage=proposal.stage, engine=engine)


def decline_variant(usage_log: UsageLog, proposal: VariantProposal) -> None:
    """Do not propose this text again (logged as a dismissed event carrying the text)."""
    usage_log.dismissed(None, {"id": proposal.reply_id, "reply_key": proposal.reply_key},
                        final_text=proposal.text)


def add_user_reply(conn: sqlite3.Connection, *, intent: str, body: str, title: str | None = None,
                   triggers: Iterable[str] = (), stage: str | None = None, code: str | None = None,
                   engine=None) -> int:
    """Save a reply the shop wrote (``source='user'``; survives KB rebuilds) with its trigger
    phrasings, indexed like the default replies. Returns its id."""
    with conn:
        rid = insert_user_reply(conn, intent=intent, body=body, title=title, triggers=triggers, stage=stage,
                                code=code)
    if engine is not None:
        engine.reload()
    return rid


_SALUTATION = re.compile(r"^(?:\{[^{}]{1,8}\}|亲爱的|亲亲|亲|您好|你好|在的|好的|嗯嗯)+[，,！!~～。\s]*")


def default_title(body: str) -> str:
    """A title for a reply that came without one: its first words after the greeting (亲，…)."""
    core = _SALUTATION.sub("", body.strip()) or body.strip()
    return re.split(r"[，,。！!？?；;\n]", core, maxsplit=1)[0][:12] or core[:12]


def insert_user_reply(conn: sqlite3.Connection, *, intent: str, body: str, title: str | None = None,
                      triggers: Iterable[str] = (), stage: str | None = None, code: str | None = None,
                      tags: Iterable[str] = ("自建",), enabled: bool = True) -> int:
    """``add_user_reply`` inside the caller's transaction (an import writes all rows or none)."""
    from assistant import kb

    body = (body or "").strip()
    if not body:
        raise ValueError("话术内容不能为空")
    row = conn.execute("SELECT stage FROM intents WHERE id=?", (intent,)).fetchone()
    if row is None:
        raise ValueError(f"未知的意图：{intent}")
    stage = stage or row[0] or "any"
    title = (title or "").strip() or default_title(body)
    code = (code or "").strip().lower() or None
    phrases, seen = [], set()
    for t in triggers:
        t = str(t).strip()
        if t and t not in seen:
            seen.add(t)
            phrases.append(t)
    if code and conn.execute("SELECT 1 FROM replies WHERE code=?", (code,)).fetchone():
        raise ValueError(f"快捷码 /{code} 已被占用")
    cur = conn.execute(
        "INSERT INTO replies (code, intent, stage, title, text, tags, source, title_py, enabled) VALUES (?,?,?,?,?,?,?,?,?)",
        (code, intent, stage, title, body, json.dumps(list(tags), ensure_ascii=False), "user",
         " ".join(text.title_pinyin(title)), int(enabled)))
    rid = cur.lastrowid
    for phrase in phrases:
        tcur = conn.execute(
            "INSERT INTO triggers (intent, reply_id, text, kind, source) VALUES (?,?,?,?,?)",
            (intent, rid, phrase, "trigger", "user"))
        conn.execute("INSERT INTO trigger_fts (rowid, tok) VALUES (?,?)",
                     (tcur.lastrowid, text.index_tokens(phrase)))
    kb.index_replies(conn, [(rid, *kb.reply_index_row(title, body, phrases, code or ""))])
    return rid
