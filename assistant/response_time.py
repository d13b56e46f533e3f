"""The response clock behind the sidebar's timer, and the per-day response figures (no Qt).

Definitions (docs/learning.md):
* A **wait** starts with the first unanswered customer message of a conversation; more messages
  while waiting do not restart it. A reply going out (a ``sent`` event) ends it.
* **Response time** = end − start of a wait; **first response** = the first wait of a session
  (a conversation quiet for ``session_gap`` seconds starts a new session).
* **Messages handled** = customer messages whose wait ended with a reply. A wait still open when
  its conversation starts a new session counts as unanswered.
* Days are local calendar days of the wait's start.

Times are wall-clock seconds (``time.time``), the same clock as the usage log, so the live
figures and the ones rebuilt from the log (``kefu stats``) agree.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

WARN_AFTER_S = 30.0
SOON_FRACTION = 2 / 3  # the clock turns amber at two thirds of the threshold


def day_of(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts))


def local_midnight(ts: float) -> float:
    t = time.localtime(ts)
    return time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0, 0, 0, -1))


@dataclass
class _Conversation:
    waiting_since: float | None = None
    waiting_messages: int = 0
    last_activity: float | None = None
    first_done: bool = False


@dataclass
class DayFigures:
    date: str
    messages: int = 0
    handled: int = 0
    unanswered: int = 0
    over_warn: int = 0
    waits: list[float] = field(default_factory=list)
    first_waits: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        def mean(xs):
            return round(sum(xs) / len(xs), 1) if xs else None

        return {"date": self.date, "messages": self.messages, "handled": self.handled,
                "responses": len(self.waits), "first_response_s": mean(self.first_waits),
                "avg_response_s": mean(self.waits),
                "max_response_s": round(max(self.waits), 1) if self.waits else None,
                "over_warn": self.over_warn, "unanswered": self.unanswered}


class ResponseTimer:
    """Time since the customer's message, per conversation, plus per-day figures."""

    def __init__(self, warn_after: float = WARN_AFTER_S, session_gap: float = 1800.0,
                 clock: Callable[[], float] = time.time):
        if warn_after <= 0:
            raise ValueError("warn_after must be positive")
        self.warn_after = float(warn_after)
        self.session_gap = float(session_gap)
        self.clock = clock
        self._conv: dict[str, _Conversation] = {}
        self._days: dict[str, DayFigures] = {}

    def _day(self, ts: float) -> DayFigures:
        key = day_of(ts)
        d = self._days.get(key)
        if d is None:
            d = self._days[key] = DayFigures(key)
        return d

    def _expire(self, c: _Conversation) -> None:
        if c.waiting_since is not None:
            self._day(c.waiting_since).unanswered += c.waiting_messages
        c.waiting_since, c.waiting_messages, c.first_done = None, 0, False

    # -- events ----------------------------------------------------------------------------

    def message_arrived(self, conversation: str = "", ts: float | None = None) -> None:
        ts = self.clock() if ts is None else ts
        c = self._conv.setdefault(conversation or "", _Conversation())
        if c.last_activity is None or ts - c.last_activity >= self.session_gap:
            self._expire(c)  # a new session: the old unanswered wait is given up
        if c.waiting_since is None:
            c.waiting_since, c.waiting_messages = ts, 0
        c.waiting_messages += 1
        c.last_activity = ts
        self._day(ts).messages += 1

    def replied(self, conversation: str = "", ts: float | None = None) -> float | None:
        """A reply went out; returns how long the customer waited (None if nothing was waiting)."""
        ts = self.clock() if ts is None else ts
        c = self._conv.setdefault(conversation or "", _Conversation())
        c.last_activity = ts
        if c.waiting_since is None:
            return None
        waited = max(0.0, ts - c.waiting_since)
        d = self._day(c.waiting_since)
        d.waits.append(waited)
        d.handled += c.waiting_messages
        if not c.first_done:
            d.first_waits.append(waited)
            c.first_done = True
        if waited >= self.warn_after:
            d.over_warn += 1
        c.waiting_since, c.waiting_messages = None, 0
        return waited

    def finish(self, now: float | None = None) -> None:
        """Count waits older than a session gap as unanswered (for figures over past days)."""
        now = self.clock() if now is None else now
        for c in self._conv.values():
            if c.waiting_since is not None and now - (c.last_activity or c.waiting_since) >= self.session_gap:
                self._expire(c)

    # -- the live clock ----------------------------------------------------------------------

    def waiting_since(self, conversation: str = "") -> float | None:
        c = self._conv.get(conversation or "")
        return c.waiting_since if c else None

    def elapsed(self, conversation: str = "", now: float | None = None) -> float | None:
        since = self.waiting_since(conversation)
        if since is None:
            return None
        now = self.clock() if now is None else now
        return max(0.0, now - since)

    def level(self, conversation: str = "", now: float | None = None) -> str:
        """'idle' (nothing waiting), 'ok', 'soon' (≥ ⅔ of the threshold) or 'late'."""
        e = self.elapsed(conversation, now)
        if e is None:
            return "idle"
        if e >= self.warn_after:
            return "late"
        if e >= self.warn_after * SOON_FRACTION:
            return "soon"
        return "ok"

    def waiting_conversations(self, now: float | None = None) -> list[tuple[str, float]]:
        now = self.clock() if now is None else now
        out = [(k, now - c.waiting_since) for k, c in self._conv.items() if c.waiting_since is not None]
        return sorted(out, key=lambda t: -t[1])

    # -- figures ----------------------------------------------------------------------------

    def today(self, now: float | None = None) -> dict:
        now = self.clock() if now is None else now
        d = self._days.get(day_of(now)) or DayFigures(day_of(now))
        return d.as_dict()

    def days(self) -> list[dict]:
        return [self._days[k].as_dict() for k in sorted(self._days)]

    def totals(self) -> dict:
        all_waits = [w for d in self._days.values() for w in d.waits]
        firsts = [w for d in self._days.values() for w in d.first_waits]
        agg = DayFigures("all", messages=sum(d.messages for d in self._days.values()),
                         handled=sum(d.handled for d in self._days.values()),
                         unanswered=sum(d.unanswered for d in self._days.values()),
                         over_warn=sum(d.over_warn for d in self._days.values()),
                         waits=all_waits, first_waits=firsts)
        out = agg.as_dict()
        out.pop("date")
        return out

    # -- from the usage log -------------------------------------------------------------------

    def replay(self, rows: Iterable) -> "ResponseTimer":
        """Feed (kind, ts, conversation) rows — ``received`` and ``sent`` events — in time order."""
        for kind, ts, conversation in sorted(rows, key=lambda r: (r[1], 0 if r[0] == "received" else 1)):
            if kind == "received":
                self.message_arrived(conversation or "", ts)
            elif kind == "sent":
                self.replied(conversation or "", ts)
        return self

    @staticmethod
    def rows_from(conn: sqlite3.Connection, since: float | None = None, until: float | None = None) -> list:
        sql = "SELECT kind, ts, conversation FROM usage_events WHERE kind IN ('received', 'sent')"
        args: list = []
        if since is not None:
            sql += " AND ts >= ?"
            args.append(since)
        if until is not None:
            sql += " AND ts <= ?"
            args.append(until)
        return [tuple(r) for r in conn.execute(sql, args)]

    def load_today(self, source: sqlite3.Connection | Path | str, now: float | None = None) -> None:
        """Rebuild today's figures (and open waits) from the log, e.g. after a restart."""
        from assistant.db import connect

        now = self.clock() if now is None else now
        own = not isinstance(source, sqlite3.Connection)
        try:
            conn = connect(source, readonly=True) if own else source
        except Exception:
            return
        try:
            self.replay(self.rows_from(conn, since=local_midnight(now) - self.session_gap))
        except sqlite3.OperationalError:
            pass
        finally:
            if own:
                conn.close()
        for key in [k for k in self._days if k < day_of(now)]:
            del self._days[key]  # only the lead-in before midnight: not today's figures
