"""Runs the engine off the GUI thread; results come back as Qt signals (DESIGN rule 3)."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from assistant.engine import Conversation, Engine

log = logging.getLogger(__name__)


class EngineWorker(QObject):
    ready = Signal(object)  # Engine is open; payload: kb stats dict (+ "readonly")
    suggested = Signal(int, object)  # request id, Suggestions
    searched = Signal(int, list)  # request id, hits (each with "filled"/"missing" for the entities)
    failed = Signal(str)  # user-facing message
    # the knowledge base cannot be used as it is: state (locked | corrupt | readonly | full | newer |
    # error) and one sentence with the way out (assistant/errors.py)
    broken = Signal(str, str)
    recovered = Signal(str)  # a restore or rebuild worked: what happened, for the agent

    def __init__(self, db_file=None, settings=None):
        super().__init__()
        self._db_file = db_file
        self._settings = settings  # assistant.settings.Settings as read at start (None: read the file)
        self.engine: Engine | None = None
        self.learning = None  # assistant.usage.Learning: created here, its log used from the GUI thread

    @Slot()
    def start(self) -> None:
        from assistant import errors, kb

        try:
            self.engine = Engine(self._db_file, allow_readonly=True)
            try:  # the learned prior is attached here (attach touches the engine: its own thread)
                from assistant.usage import Learning

                s = self._settings
                self.learning = Learning(self.engine, self._db_file,
                                         settings=s.section("learning") if s is not None else None,
                                         privacy=s.section("privacy") if s is not None else None)
            except Exception:  # learning is optional: the sidebar works without it
                log.exception("learning not available")
            stats = kb.stats(self.engine.conn)
            stats["readonly"] = bool(getattr(self.engine.conn, "readonly", False))
            self.ready.emit(stats)
        except Exception as exc:  # shown in the window as a state with its way out, never a silent death
            log.exception("engine start failed")
            self.broken.emit(*errors.for_sidebar(exc, self._db_path()))

    def _db_path(self):
        from assistant import paths

        return self._db_file or paths.db_path()

    def _close(self) -> None:
        learning, self.learning = self.learning, None
        if learning is not None:
            learning.close()
        engine, self.engine = self.engine, None
        if engine is not None:
            engine.close()

    @Slot(str)
    def recover(self, how: str) -> None:
        """``restore``: the newest sound backup back in place (the shop's replies and usage with
        it); ``rebuild``: from the default knowledge (a corrupt file is kept as a copy first);
        ``retry``: open again (after a lock went away). Then the engine opens anew."""
        from assistant import backups, errors, kb

        self._close()
        try:
            if how == "restore" or how.startswith("restore:"):  # the newest sound backup, or this one
                rep = backups.restore(self._db_path(), how.partition(":")[2] or None)
                note = (f"已从备份 {Path(rep['restored']).name} 恢复：自建话术 "
                        f"{rep['user_replies']} 条，使用记录 {rep['usage_events']} 条。")
            elif how == "rebuild":
                built = kb.build(self._db_path())
                note = f"已重新生成知识库：{built.replies} 条话术。" + " ".join(built.problems[:1])
            else:
                note = ""
        except Exception as exc:
            log.exception("recovery (%s) failed", how)
            self.broken.emit(*errors.for_sidebar(exc, self._db_path()))
            return
        if note:
            self.recovered.emit(note)
        self.start()

    @Slot(int, object)
    def suggest(self, request_id: int, conv: Conversation) -> None:
        if self.engine is None:
            return
        try:
            self.suggested.emit(request_id, self.engine.suggest(conv))
        except Exception as exc:
            log.exception("suggest failed")
            self._report(exc, "分析出错")

    @Slot()
    def reload(self) -> None:
        """The knowledge base changed (a reply was added from the stats window)."""
        if self.engine is None:
            return
        try:
            self.engine.reload()
        except Exception as exc:
            log.exception("reload failed")
            self._report(exc, "重新载入知识库出错")

    @Slot(int, str, object)
    def search(self, request_id: int, query: str, entities: dict | None = None) -> None:
        if self.engine is None:
            return
        try:
            hits = self.engine.search(query, limit=9)
            for h in hits:  # fill the template with what the current customer message gave us
                h["filled"], h["missing"] = self.engine.fill(h["text"], entities or {})
            self.searched.emit(request_id, hits)
        except Exception as exc:
            log.exception("search failed")
            self._report(exc, "搜索出错")

    def _report(self, exc: Exception, doing: str) -> None:
        """A database problem met while working is a state of the sidebar; anything else one line."""
        from assistant import errors

        state, message = errors.for_sidebar(exc, self._db_path())
        if state != "error":
            self.broken.emit(state, message)
        else:
            self.failed.emit(f"{doing}：{message}")


class EngineThread(QObject):
    """Owns the worker thread; the window talks to it through queued signals only."""

    request_suggest = Signal(int, object)
    request_search = Signal(int, str, object)
    request_reload = Signal()
    request_recover = Signal(str)

    def __init__(self, db_file=None, parent=None, settings=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("engine")
        self.worker = EngineWorker(db_file, settings)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.start)
        self.thread.finished.connect(self.worker.deleteLater)
        self.request_suggest.connect(self.worker.suggest)
        self.request_search.connect(self.worker.search)
        self.request_reload.connect(self.worker.reload)
        self.request_recover.connect(self.worker.recover)
        self._next = 0

    def start(self) -> None:
        self.thread.start()

    def suggest(self, conv: Conversation) -> int:
        self._next += 1
        self.request_suggest.emit(self._next, conv)
        return self._next

    def search(self, query: str, entities: dict | None = None) -> int:
        self._next += 1
        self.request_search.emit(self._next, query, dict(entities or {}))
        return self._next

    def reload(self) -> None:
        """Reload the engine on its own thread."""
        self.request_reload.emit()

    def recover(self, how: str) -> None:
        """restore | rebuild | retry, on the engine's thread (see EngineWorker.recover)."""
        self.request_recover.emit(how)

    @property
    def learning(self):
        """The Learning object once the engine is open (None before, or if it failed)."""
        return self.worker.learning

    def check(self, draft: str) -> dict | None:
        """违禁词 check. Called on the GUI thread: Engine.check is an in-memory regex (µs), no SQL.
        None while the engine is still opening."""
        eng = self.worker.engine
        return eng.check(draft) if eng is not None else None

    def stop(self) -> None:
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait(5000)
        learning = self.worker.__dict__.get("learning")
        if learning is not None:
            learning.close()  # writes what is still queued
