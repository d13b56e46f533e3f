"""The usage log: ``UsageLog`` writes the agent's actions to ``usage_events`` off the calling
thread (at most one flush interval lost to a kill); retention and clearing.
"""
from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from assistant import paths, privacy, templates
from assistant.db import connect
from assistant.usage.base import (COLUMNS, KINDS, MAX_FLUSH_INTERVAL, POSITIVE, _INSERT, learning_settings,
                                  message_hash, privacy_settings, reply_key, reply_keys)
from assistant.usage.prior import UsageModel

log = logging.getLogger(__name__)


def apply_retention(conn: sqlite3.Connection, days: float | None = None, *, backups_too: bool = True,
                    now: float | None = None) -> int:
    """Delete usage events older than the retention period (settings ``privacy.retention_days``,
    default 90; 0 keeps everything), in the database and in its backups. Returns how many went
    from the database."""
    days = privacy_settings()["retention_days"] if days is None else float(days)
    if days <= 0:
        return 0
    before = (time.time() if now is None else now) - days * 86400.0
    n = clear(conn, before=before) if conn.execute(
        "SELECT 1 FROM usage_events WHERE ts < ? LIMIT 1", (before,)).fetchone() else 0
    if backups_too:
        from assistant import backups

        backups.clear_usage(before=before)
    return n



# --- the log -------------------------------------------------------------------------------

@dataclass(frozen=True)
class MessageRef:
    """One customer message as the log knows it; every later event of it carries these."""
    msg_id: str
    ts: float
    msg_hash: str
    intent: str = ""
    platform: str = ""
    profile: str = ""
    conversation: str = ""


def _profile_name(profile: Any) -> str:
    if isinstance(profile, dict):
        return str(profile.get("shop_name") or profile.get("name") or "")
    return str(profile or "")


class UsageLog:
    """Non-blocking, crash-safe event log.

    ``log()`` (and the helpers ``received``/``shown``/``picked``/``edited``/``sent``/
    ``dismissed``) never touches the database: it appends to a queue that a daemon thread writes
    in one transaction every ``flush_interval`` seconds (≤ 1 s) and on ``close()``/exit.
    """

    def __init__(self, db_file: Path | str | None = None, *, model: "UsageModel | None" = None,
                 flush_interval: float | None = None, clock: Callable[[], float] = time.time,
                 max_pending: int = 200_000, on_flush: Callable[[int], None] | None = None,
                 timer=None, mask: bool | None = None):
        self.db_file = Path(db_file) if db_file else paths.db_path()
        self.mask = privacy_settings()["mask"] if mask is None else bool(mask)
        self.model = model
        self.timer = timer  # a ResponseTimer: received() starts its clock, sent() stops it
        interval = learning_settings()["flush_interval_s"] if flush_interval is None else flush_interval
        self.flush_interval = min(max(float(interval), 0.01), MAX_FLUSH_INTERVAL)
        self.clock = clock
        self.max_pending = max_pending
        self.on_flush = on_flush
        self.dropped = 0
        self.error: str | None = None  # what the last failed write said (None once writes work again)
        self.error_state: str | None = None  # its KBError state: locked | readonly | full | corrupt …
        self._pending: deque[tuple] = deque()
        self._cond = threading.Condition()
        self._logged = 0  # events handed to log()
        self._written = 0  # events committed to the database
        self._stopping = False
        self._closed = False
        self._keys: dict[int, str] = {}
        self._reader: sqlite3.Connection | None = None
        self._thread = threading.Thread(target=self._run, name="usage-log", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # -- writing ------------------------------------------------------------------------

    def log(self, kind: str, **fields) -> None:
        """Queue one event; ``fields`` are columns of usage_events. Returns at once."""
        if kind not in KINDS:
            raise ValueError(f"unknown usage event kind {kind!r}")
        if self._closed:
            log.warning("usage log is closed; dropped a %s event", kind)
            return
        fields.setdefault("ts", self.clock())
        fields["kind"] = kind
        fields["platform"] = fields.get("platform") or ""
        fields["profile"] = _profile_name(fields.get("profile"))
        fields["conversation"] = fields.get("conversation") or ""
        entities = fields.pop("entities", None)
        if self.mask:  # private details never reach the queue, the database or its backups
            for col in ("message", "final_text"):
                if fields.get(col):
                    fields[col] = privacy.mask(fields[col], entities)
        row = tuple(fields.get(c) for c in COLUMNS)
        with self._cond:
            if len(self._pending) >= self.max_pending:
                self._pending.popleft()
                self.dropped += 1
            self._pending.append(row)
            self._logged += 1
        if self.model is not None and (kind in POSITIVE or kind == "dismissed") and fields.get("reply_key"):
            self.model.observe(kind, fields["reply_key"], fields.get("intent") or "", fields["platform"],
                               fields["ts"], fields.get("msg_id"), fields.get("final_text"))

    def _run(self) -> None:
        conn = None
        while True:
            with self._cond:
                if not self._stopping:
                    self._cond.wait(self.flush_interval)
                stopping = self._stopping
                batch = list(self._pending)
            if batch:
                try:
                    if conn is None:
                        conn = connect(self.db_file)
                    with conn:
                        conn.executemany(_INSERT, batch)
                except Exception as exc:  # locked, read-only, disk full…: keep the events, try again
                    from assistant.db import translate

                    err = translate(exc, self.db_file, "写入使用记录")
                    if str(err) != self.error:  # once per problem, not every retry
                        log.warning("usage log: write failed (%s); will retry", exc)
                    self.error, self.error_state = str(err), err.state
                    if conn is not None:
                        try:
                            conn.close()
                        except sqlite3.Error:
                            pass
                        conn = None
                    if stopping:
                        break
                    time.sleep(min(self.flush_interval, 0.2))
                    continue
                with self._cond:
                    for _ in range(len(batch)):
                        self._pending.popleft()
                    self._written += len(batch)
                    self.error = self.error_state = None
                    self._cond.notify_all()
                if self.on_flush is not None:
                    try:
                        self.on_flush(self._written)
                    except Exception:  # a callback never kills the writer
                        log.exception("usage log on_flush callback failed")
            if stopping:
                with self._cond:
                    if not self._pending:
                        break
        if conn is not None:
            conn.close()
        with self._cond:
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything logged so far is in the database (True) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._logged
            self._cond.notify_all()
            while self._written + self.dropped < target and self._thread.is_alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return self._written + self.dropped >= target

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pending)

    @property
    def written(self) -> int:
        return self._written

    def close(self, timeout: float = 10.0) -> None:
        if self._closed:
            return
        self._closed = True
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        try:
            atexit.unregister(self.close)
        except Exception:
            pass

    def __enter__(self) -> "UsageLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- helpers the sidebar calls ----------------------------------------------------------

    def _key_of(self, reply: dict | int | None) -> tuple[int | None, str | None]:
        if reply is None:
            return None, None
        if isinstance(reply, dict):
            rid = reply.get("id")
            if reply.get("reply_key"):
                return rid, reply["reply_key"]
            if reply.get("code") or reply.get("text"):
                return rid, reply_key(reply.get("code"), reply.get("intent"), reply.get("text"))
            reply = rid
        rid = int(reply)
        if rid not in self._keys:
            if self._reader is None:
                self._reader = connect(self.db_file, readonly=True)
            self._keys.update(reply_keys(self._reader, [rid]))
        return rid, self._keys.get(rid)

    def _msg_fields(self, msg: MessageRef | None) -> dict:
        if msg is None:
            return {}
        return {"msg_id": msg.msg_id, "msg_ts": msg.ts, "msg_hash": msg.msg_hash, "intent": msg.intent,
                "platform": msg.platform, "profile": msg.profile, "conversation": msg.conversation}

    def received(self, message: str, *, intent: str = "", platform: str = "", profile: Any = "",
                 conversation: str = "", best_score: float | None = None, ts: float | None = None,
                 keep_text: bool = True, entities: dict | None = None) -> MessageRef:
        """A customer message arrived (starts the response clock). Returns the reference that
        the later events of this message take. ``keep_text=False`` logs the event without the
        text (copied while no chat window was in front); ``entities`` (the analysis's) are
        masked along with what the patterns find."""
        ts = self.clock() if ts is None else ts
        if self.mask:  # the hash of a text with a phone number in it would identify the number
            message = privacy.mask(message, entities)
        ref = MessageRef(uuid.uuid4().hex[:16], ts, message_hash(message), intent or "", platform or "",
                         _profile_name(profile), conversation or "")
        self.log("received", ts=ts, score=best_score, message=message if keep_text else None,
                 entities=entities, **self._msg_fields(ref))
        if self.timer is not None:
            self.timer.message_arrived(ref.conversation, ts)
        return ref

    def shown(self, msg: MessageRef | None, replies: list[dict], ts: float | None = None) -> None:
        """The ranked replies the agent saw (one event per reply; the model learns nothing from it)."""
        for rank, r in enumerate(replies, 1):
            rid, key = self._key_of(r)
            self.log("shown", ts=self.clock() if ts is None else ts, reply_id=rid, reply_key=key,
                     rank=rank, score=r.get("score") if isinstance(r, dict) else None, **self._msg_fields(msg))

    def picked(self, msg: MessageRef | None, reply: dict | int, rank: int | None = None,
               ts: float | None = None) -> None:
        rid, key = self._key_of(reply)
        self.log("picked", ts=self.clock() if ts is None else ts, reply_id=rid, reply_key=key, rank=rank,
                 **self._msg_fields(msg))

    def edited(self, msg: MessageRef | None, reply: dict | int, final_text: str,
               ts: float | None = None) -> None:
        """The agent changed the reply before sending; ``final_text`` is stored with the filled-in
        values (order number, names) turned back into {variables} when ``reply`` has them."""
        rid, key = self._key_of(reply)
        if isinstance(reply, dict):
            final_text = templates.unfill(reply.get("text") or "", reply.get("filled") or "", final_text)
        self.log("edited", ts=self.clock() if ts is None else ts, reply_id=rid, reply_key=key,
                 final_text=final_text, **self._msg_fields(msg))

    def sent(self, msg: MessageRef | None, reply: dict | int | None, final_text: str | None = None,
             ts: float | None = None) -> None:
        """The reply went out (pasted into the chat, or copied in copy-only mode): stops the clock."""
        ts = self.clock() if ts is None else ts
        rid, key = self._key_of(reply)
        latency = int(round((ts - msg.ts) * 1000)) if msg is not None else None
        self.log("sent", ts=ts, reply_id=rid, reply_key=key, final_text=final_text, latency_ms=latency,
                 **self._msg_fields(msg))
        if self.timer is not None:
            self.timer.replied(msg.conversation if msg is not None else "", ts)

    def dismissed(self, msg: MessageRef | None, reply: dict | int | None = None,
                  final_text: str | None = None, ts: float | None = None) -> None:
        """The agent waved a suggestion away (or declined a variant proposal: ``final_text``)."""
        rid, key = self._key_of(reply)
        self.log("dismissed", ts=self.clock() if ts is None else ts, reply_id=rid, reply_key=key,
                 final_text=final_text, **self._msg_fields(msg))



# --- clear / export ------------------------------------------------------------------------

def clear(conn: sqlite3.Connection, before: float | None = None, model: UsageModel | None = None) -> int:
    """Delete usage events (all, or those older than ``before``); returns how many. The deleted
    text is overwritten on disk (secure_delete), not merely unlinked from the b-tree."""
    conn.execute("PRAGMA secure_delete = ON")
    with conn:
        if before is None:
            n = conn.execute("DELETE FROM usage_events").rowcount
        else:
            n = conn.execute("DELETE FROM usage_events WHERE ts < ?", (before,)).rowcount
    try:  # do not leave the deleted text readable in the write-ahead log
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError:
        pass
    if model is not None:
        model.clear()
        if before is not None:
            model.load(conn)
    return n


def clear_undoable(conn: sqlite3.Connection, model: UsageModel | None = None) -> tuple[int, Callable[[], int]]:
    """Clear the whole log but keep its rows in memory (never on disk: the point of clearing is
    that the text is gone) so the agent can undo a wrong click. Returns (rows deleted, undo);
    undo puts every row back with its id and returns how many."""
    cols = ("id", *COLUMNS)
    kept = conn.execute(f"SELECT {', '.join(cols)} FROM usage_events ORDER BY id").fetchall()
    n = clear(conn, None, model)

    def undo() -> int:
        with conn:
            conn.executemany(f"INSERT OR IGNORE INTO usage_events ({', '.join(cols)}) "
                             f"VALUES ({', '.join('?' * len(cols))})", [tuple(r) for r in kept])
        if model is not None:
            model.clear()
            model.load(conn)
        return len(kept)

    return n, undo
