"""``Learning``: what the sidebar needs while it runs (the model attached to the engine, the log
that feeds it, the response timer, the retention pass).
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from assistant import paths
from assistant.db import connect
from assistant.usage.base import learning_settings, privacy_settings
from assistant.usage.log import UsageLog, apply_retention
from assistant.usage.prior import UsageModel

log = logging.getLogger(__name__)


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


class UsageSession:
    """The message on screen as the usage log knows it, kept by the sidebar between a suggestion
    and the paste that answers it (no Qt: ui/app.py feeds it, tests drive it directly).

    ``msg``: the ``MessageRef`` of the message on screen; ``text``: its text, so analysing the same
    message again is not a new one; ``replies``/``empathy``: what was shown for it; ``pending``: a
    message read off the screen, logged only once the agent uses a reply to it."""

    def __init__(self):
        self.msg = None
        self.text: str | None = None
        self.replies: list[dict] = []
        self.empathy = ""
        self.pending: tuple[str, object] | None = None

    def suggested(self, ulog: UsageLog, message: str, s, *, platform: str, conversation: str,
                  keep_text: bool) -> bool:
        """Log a new message and the replies shown for it; the same message again only updates
        the replies. Returns whether a new message was logged."""
        if message == self.text and self.msg is not None:
            self.replies = list(s.replies)  # same message analysed again: not a new one
            return False
        msg = ulog.received(message, intent=s.analysis.intent, platform=platform, conversation=conversation,
                            best_score=s.replies[0]["score"] if s.replies else None,
                            keep_text=keep_text, entities=dict(s.analysis.entities))
        ulog.shown(msg, s.replies)
        self.msg, self.text = msg, message
        self.replies = list(s.replies)
        self.empathy = s.empathy[0]["text"] if s.empathy else ""
        return True

    def take_pending(self):
        """The screen-read message waiting for the agent to use a reply, once."""
        pending, self.pending = self.pending, None
        return pending

    def pasted(self, ulog: UsageLog, meta: dict, search_hit: dict | None = None) -> int | None:
        """Log a paste (picked / edited / sent). ``search_hit``: the search popup's chosen reply.
        Returns the id of a reply the agent edited (worth a variant check), else None."""
        rid = meta.get("reply_id")
        reply = next((r for r in self.replies if r.get("id") == rid), None)
        if reply is None and meta.get("source") == "search" and (search_hit or {}).get("id") == rid:
            reply = search_hit
        if reply is None and rid is not None:
            reply = rid
        msg, final, edited = self.msg, meta.get("text") or "", None
        if reply is not None:
            ulog.picked(msg, reply, rank=meta.get("rank"))
            body = final
            if meta.get("empathy") and self.empathy and body.startswith(self.empathy):
                body = body[len(self.empathy):]
            if meta.get("edited") or (isinstance(reply, dict) and body != reply.get("filled")):
                ulog.edited(msg, reply, body)
                edited = rid
        ulog.sent(msg, reply, final)
        self.text = None  # the same text again after this reply is a new message
        return edited
