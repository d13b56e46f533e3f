"""The learned prior: ``UsageModel`` per (reply, intent, platform), decayed and smoothed;
``attach`` gives it to an engine (``Engine.set_prior``).
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable

from assistant.db import connect
from assistant.usage.base import POSITIVE, learning_settings, reply_keys

log = logging.getLogger(__name__)


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
