"""One way to do slow work off the GUI thread (in the spirit of Anki's QueryOp).

    self.bg = Background(self)
    self.bg.run(work, on_done, on_error)

``work()`` runs on a daemon thread (it opens its own database connection: never share the GUI's);
``on_done(result)`` or ``on_error(exc)`` then runs on the GUI thread, through a queued signal. A
window closed meanwhile drops the answer. The engine keeps its own long-lived thread (ui/engine_thread.py);
this is for one-off jobs.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class Background(QObject):
    _finished = Signal(object, object)  # the callback to run on the GUI thread, its argument

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._finished.connect(self._deliver)

    def run(self, work: Callable[[], object], on_done: Callable[[object], None] | None = None,
            on_error: Callable[[Exception], None] | None = None, *, name: str = "background") -> None:
        finished = self._finished

        def target():
            try:
                result, callback = work(), on_done
            except Exception as exc:  # handed to on_error on the GUI thread, or logged
                if on_error is None:
                    log.exception("%s failed", name)
                result, callback = exc, on_error
            if callback is None:
                return
            try:
                finished.emit(callback, result)
            except RuntimeError:  # the owner was deleted meanwhile: nobody to tell
                pass

        threading.Thread(target=target, name=name, daemon=True).start()

    @Slot(object, object)
    def _deliver(self, callback, result) -> None:
        callback(result)
