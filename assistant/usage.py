"""Learning from use: the usage log, the learned ranking prior and edit-variant proposals.

Everything here is plain Python over SQLite (no Qt); docs/learning.md explains the model.

* ``UsageLog`` — the agent's actions (a customer message arrived, replies were shown, one was
  picked / edited / sent, a suggestion was dismissed) go to ``usage_events`` (migration 2).
  ``log()`` only appends to an in-memory queue; a background thread writes the queue in one
  transaction at least every second and on ``close()``. A killed process loses at most the
  events of the last unflushed interval; a half-written transaction is rolled back by SQLite.
* ``UsageModel`` — a prior per (reply, intent, platform): picks, edits and sends, decayed with a
  half-life and smoothed with a pseudo-count, so one click does not flip the list. ``shown`` and
  ``received`` teach nothing. ``attach(engine)`` fills ``Engine.usage_prior``.
* ``propose_variant`` / ``save_variant`` — when the agent keeps editing a reply the same way,
  offer the edited text as a new reply (``source='user'``).
"""
from __future__ import annotations

import atexit
import csv
import hashlib
import json
import logging
import re
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from rapidfuzz import fuzz

from assistant import paths, privacy, templates, text
from assistant.db import connect
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


# --- the learned prior ---------------------------------------------------------------------

class UsageModel:
    """Usage prior per (reply, message intent, platform), in [0, 1].

    Evidence per message and reply is the strongest of its picked/edited/sent events (1.0), so
    a pick followed by a send counts once. Each piece of evidence decays with ``half_life_days``.
    For a message intent and platform::

        w(r)   = Σ decayed evidence for r   (other platforms × other_platform_weight)
        d(r)   = Σ decayed dismissals of r
        prior  = w(r) / (Σ_r' w(r') + pseudo_count + d(r))

    so one pick gives 1/(1+5) ≈ 0.17 (below the 0.2 at which the engine says 常用), a reply
    picked every time approaches 1, two replies picked equally share the prior, and evidence
    fades back to 0 as it ages. ``shown``/``received`` events are not evidence.
    """

    def __init__(self, half_life_days: float | None = None, pseudo_count: float | None = None,
                 other_platform_weight: float | None = None, clock: Callable[[], float] = time.time):
        s = learning_settings({"half_life_days": half_life_days, "pseudo_count": pseudo_count,
                               "other_platform_weight": other_platform_weight})
        self.half_life_s = float(s["half_life_days"]) * 86400.0
        if self.half_life_s <= 0:
            raise ValueError("half_life_days must be positive")
        self.pseudo_count = float(s["pseudo_count"])
        self.other_platform_weight = float(s["other_platform_weight"])
        self.clock = clock
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._anchor = self.clock()
            # intent -> platform -> reply_key -> anchored sum; same for dismissals
            self._pos: dict[str, dict[str, dict[str, float]]] = {}
            self._neg: dict[str, dict[str, dict[str, float]]] = {}
            self._seen: OrderedDict[tuple, float] = OrderedDict()  # (msg, key) -> evidence so far
            self.events = 0

    def _scale(self, ts: float) -> float:
        return 2.0 ** ((ts - self._anchor) / self.half_life_s)

    def observe(self, kind: str, key: str, intent: str, platform: str, ts: float,
                msg_id: str | None = None, final_text: str | None = None) -> None:
        """Learn from one event. ``shown`` and ``received`` are ignored by design."""
        if not key or (kind not in POSITIVE and kind != "dismissed"):
            return
        if kind == "dismissed" and final_text:  # a declined variant proposal, not a ranking signal
            return
        intent, platform = intent or "", platform or ""
        with self._lock:
            exp = (ts - self._anchor) / self.half_life_s
            if exp > 500:  # keep the anchored sums finite: re-anchor at this event
                self._rebase(ts)
            if kind == "dismissed":
                store = self._neg.setdefault(intent, {}).setdefault(platform, {})
                store[key] = store.get(key, 0.0) + self._scale(ts)
                return
            weight = 1.0
            if msg_id:
                mk = (msg_id, key)
                before = self._seen.get(mk, 0.0)
                if before >= weight:
                    return
                self._seen[mk] = weight
                self._seen.move_to_end(mk)
                if len(self._seen) > 50_000:
                    self._seen.popitem(last=False)
                weight -= before
            store = self._pos.setdefault(intent, {}).setdefault(platform, {})
            store[key] = store.get(key, 0.0) + weight * self._scale(ts)
            self.events += 1

    def _rebase(self, ts: float) -> None:
        factor = 2.0 ** (-(ts - self._anchor) / self.half_life_s)
        for table in (self._pos, self._neg):
            for plats in table.values():
                for store in plats.values():
                    for k in store:
                        store[k] *= factor
        self._anchor = ts

    def load(self, source: sqlite3.Connection | Path | str, now: float | None = None,
             horizon_half_lives: float = 12.0) -> int:
        """Learn from the usage_events already in the database (the last ~12 half-lives)."""
        own = not isinstance(source, sqlite3.Connection)
        conn = connect(source, readonly=True) if own else source
        now = self.clock() if now is None else now
        since = now - horizon_half_lives * self.half_life_s
        n = 0
        try:
            for r in conn.execute(
                    "SELECT kind, reply_key, intent, platform, ts, msg_id, final_text FROM usage_events "
                    "WHERE ts >= ? AND reply_key IS NOT NULL AND kind IN ('picked','edited','sent','dismissed') "
                    "ORDER BY ts", (since,)):
                self.observe(r[0], r[1], r[2] or "", r[3] or "", r[4], r[5], r[6])
                n += 1
        except sqlite3.OperationalError as exc:  # database from before migration 2
            log.warning("usage model: nothing loaded (%s)", exc)
        finally:
            if own:
                conn.close()
        return n

    def prior_keys(self, keys: Iterable[str], intent: str, platform: str = "",
                   now: float | None = None) -> dict[str, float]:
        now = self.clock() if now is None else now
        with self._lock:
            plats = self._pos.get(intent or "")
            if not plats:
                return {}
            decay = 2.0 ** (-(now - self._anchor) / self.half_life_s)
            w: dict[str, float] = {}
            for plat, store in plats.items():
                mult = 1.0 if (not platform or plat == platform) else self.other_platform_weight
                for k, v in store.items():
                    w[k] = w.get(k, 0.0) + mult * v * decay
            d: dict[str, float] = {}
            for plat, store in (self._neg.get(intent or "") or {}).items():
                mult = 1.0 if (not platform or plat == platform) else self.other_platform_weight
                for k, v in store.items():
                    d[k] = d.get(k, 0.0) + mult * v * decay
        total = sum(w.values())
        out = {}
        for k in keys:
            wk = w.get(k, 0.0)
            if wk > 0:
                out[k] = wk / (total + self.pseudo_count + d.get(k, 0.0))
        return out

    def prior_ids(self, conn: sqlite3.Connection, reply_ids: list[int], intent: str,
                  platform: str = "", now: float | None = None) -> dict[int, float]:
        """The engine's hook signature, given the connection that knows the reply ids."""
        if not self._pos.get(intent or ""):
            return {}
        keys = reply_keys(conn, reply_ids)
        by_key = self.prior_keys(set(keys.values()), intent, platform, now)
        return {rid: round(by_key[k], 4) for rid, k in keys.items() if k in by_key}

    def attach(self, engine, weight: float | None = None) -> None:
        """Rank ``engine``'s replies with this prior (``Engine.set_prior``; the engine says 常用 in
        ``why``), at the configured total ``prior_weight``; 0 switches learning off. The prior runs
        on the engine's thread with the engine's own connection."""
        weight = float(learning_settings({"prior_weight": weight})["prior_weight"])
        if weight <= 0:  # learning switched off
            engine.set_prior(None)
            return

        def usage_prior(reply_ids: list[int], intent: str, platform: str) -> dict[int, float]:
            return self.prior_ids(engine.conn, reply_ids, intent, platform)

        engine.set_prior(usage_prior, weight)


def detach(engine) -> None:
    """Undo ``UsageModel.attach``: no usage prior."""
    engine.set_prior(None)


class Learning:
    """The pieces the sidebar needs, wired together: the model loaded from the database and
    attached to the engine, the log that feeds it and the response timer. Create it where the
    engine lives (its worker thread: ``attach`` touches the engine); call the log's helpers and
    read the timer from the GUI thread. ``close()`` on exit (also runs at interpreter exit)."""

    def __init__(self, engine, db_file: Path | str | None = None, *, settings: dict | None = None,
                 privacy: dict | None = None, clock: Callable[[], float] = time.time):
        """``settings``/``privacy``: the learning and privacy sections as the caller read them
        (assistant/settings.py); None reads them from settings.json."""
        from assistant.response_time import ResponseTimer

        s = learning_settings(settings)
        self.settings = s
        self.db_file = Path(db_file) if db_file else paths.db_path()
        self.model = UsageModel(s["half_life_days"], s["pseudo_count"], s["other_platform_weight"], clock=clock)
        self.model.load(self.db_file)
        self.model.attach(engine, weight=s["prior_weight"])
        self.timer = ResponseTimer(warn_after=s["warn_after_s"], session_gap=s["session_gap_s"], clock=clock)
        self.timer.load_today(self.db_file)
        self.privacy = privacy_settings(privacy)
        self.log = UsageLog(self.db_file, model=self.model, flush_interval=s["flush_interval_s"], clock=clock,
                            timer=self.timer, mask=self.privacy["mask"])
        self.retention = threading.Thread(target=self._retention, args=(clock(),), name="usage-retention",
                                          daemon=True)
        self.retention.start()

    def _retention(self, now: float) -> None:
        """Events older than the retention period go, here and in the backups (off every thread
        the agent waits on; a read-only or locked database just keeps them until next time)."""
        try:
            conn = connect(self.db_file)
            try:
                n = apply_retention(conn, self.privacy["retention_days"], now=now)
            finally:
                conn.close()
            if n:
                log.info("retention: %d usage events older than %s days deleted", n, self.privacy["retention_days"])
        except Exception as exc:
            log.warning("retention not applied: %s", exc)

    def close(self) -> None:
        self.log.close()
        self.retention.join(10)


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


EXPORT_HEADERS = {"ts": "时间", "kind": "事件", "reply_id": "话术ID", "reply_key": "话术键", "rank": "排名",
                  "score": "分数", "final_text": "最终文本", "intent": "意图", "platform": "平台",
                  "profile": "店铺", "conversation": "会话", "msg_id": "消息ID", "msg_hash": "消息摘要",
                  "message": "顾客消息", "latency_ms": "响应毫秒", "msg_ts": "消息时间"}


def events(conn: sqlite3.Connection, since: float | None = None) -> list[dict]:
    sql = f"SELECT id, {', '.join(COLUMNS)} FROM usage_events"
    args: tuple = ()
    if since is not None:
        sql += " WHERE ts >= ?"
        args = (since,)
    return [dict(r) for r in conn.execute(sql + " ORDER BY ts, id", args)]


def _fmt_ts(ts: float | None) -> str:
    return "" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def export_events(conn: sqlite3.Connection, path: Path | str, since: float | None = None) -> int:
    """Write the usage log to CSV (UTF-8 with BOM, opens in Excel) or XLSX, by extension."""
    path = Path(path)
    rows = events(conn, since)
    cols = ["ts", "kind", "intent", "platform", "profile", "conversation", "message", "reply_id",
            "reply_key", "rank", "score", "final_text", "latency_ms", "msg_id", "msg_hash", "msg_ts"]
    table = [[_fmt_ts(r[c]) if c in ("ts", "msg_ts") else r[c] for c in cols] for r in rows]
    header = [EXPORT_HEADERS[c] for c in cols]
    write_table(path, [("使用记录", header, table)])
    return len(rows)


def write_table(path: Path, sheets: list[tuple[str, list[str], list[list]]]) -> Path:
    """Sheets of (title, header, rows) to .xlsx (one sheet each) or .csv (titled blocks)."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        wb.remove(wb.active)
        for title, header, rows in sheets:
            ws = wb.create_sheet(title[:31])
            ws.append(header)
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in rows:
                ws.append([_xlsx_safe(v) for v in row])
            for i, col in enumerate(ws.columns, 1):
                width = max((_display_width(c.value) for c in col), default=8)
                ws.column_dimensions[col[0].column_letter].width = min(max(8, width + 2), 60)
            ws.freeze_panes = "A2"
        wb.save(path)
    elif suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            for n, (title, header, rows) in enumerate(sheets):
                if len(sheets) > 1:
                    if n:
                        w.writerow([])
                    w.writerow([f"# {title}"])
                w.writerow(header)
                w.writerows([[_csv_safe(v) for v in row] for row in rows])
    else:
        raise ValueError(f"导出文件要以 .csv 或 .xlsx 结尾：{path.name}")
    return path


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_safe(v):
    if isinstance(v, str):
        v = _ILLEGAL_XLSX.sub(" ", v)
        if v.lstrip(" ")[:1] in _FORMULA_START:  # never let a customer's message become a formula
            v = "'" + v
    return v


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _csv_safe(v):
    """A CSV cell that Excel/WPS will not run as a formula (=cmd|' /C calc'!A0): text starting
    with = + - @ (or a tab / carriage return, or their full-width forms) gets a leading '."""
    if isinstance(v, str) and v.lstrip(" ")[:1] in _FORMULA_START:
        return "'" + v
    return v


def _display_width(v) -> int:
    s = "" if v is None else str(v)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s[:80])


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
