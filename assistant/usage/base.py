"""Shared by the usage package: event kinds and columns, the learning and privacy settings,
the names a reply and a message keep across rebuilds.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from typing import Iterable

from assistant import text
from assistant.settings import DEFAULTS, section

log = logging.getLogger(__name__)


KINDS = ("received", "shown", "picked", "edited", "sent", "dismissed")
POSITIVE = frozenset({"picked", "edited", "sent"})  # what the model learns from
MAX_FLUSH_INTERVAL = 1.0  # seconds: the most a killed process can lose
DEFAULT_SETTINGS = DEFAULTS["learning"]  # the "learning" section (assistant/settings.py)
COLUMNS = ("ts", "kind", "msg_id", "msg_ts", "reply_id", "reply_key", "rank", "score", "final_text",
           "intent", "platform", "profile", "conversation", "msg_hash", "message", "latency_ms")
_INSERT = f"INSERT INTO usage_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def learning_settings(overrides: dict | None = None) -> dict:
    """Defaults, then the "learning" section of settings.json, then ``overrides``."""
    return section("learning", overrides)


def privacy_settings(overrides: dict | None = None) -> dict:
    """The "privacy" section of settings.json (assistant/settings.py): mask, retention_days,
    chat_window_only."""
    return section("privacy", overrides)



# --- identities ----------------------------------------------------------------------------

def reply_key(code: str | None, intent: str | None, body: str | None) -> str:
    """A reply's name that survives a KB rebuild (ids do not): its shortcode, else a text hash."""
    if code:
        return "c:" + str(code).lower()
    digest = hashlib.sha1(f"{intent or ''}\n{body or ''}".encode("utf-8")).hexdigest()[:16]
    return "t:" + digest


def message_hash(message: str) -> str:
    return hashlib.sha1(text.normalize(message or "").encode("utf-8")).hexdigest()[:16]


def reply_keys(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(f"SELECT id, code, intent, text FROM replies WHERE id IN ({marks})", chunk):
            out[r[0]] = reply_key(r[1], r[2], r[3])
    return out


def replies_by_key(conn: sqlite3.Connection, *, enabled_only: bool = False) -> dict[str, dict]:
    sql = "SELECT id, code, intent, stage, title, text, source, enabled FROM replies"
    if enabled_only:
        sql += " WHERE enabled=1"
    out = {}
    for r in conn.execute(sql + " ORDER BY id"):
        out.setdefault(reply_key(r["code"], r["intent"], r["text"]), dict(r))
    return out
