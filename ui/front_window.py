"""The window in front, polled through the ActiveWindow port: which outside window the agent is
working in and whether it changed, the sidebar kept on top, and the global hotkeys kept alive
across sleep and lock (a long gap between two polls). The app reacts to what this reports
(platform, profile, docking, screen watch); nothing here touches its widgets but the sidebar's
topmost flag.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from PySide6.QtCore import QObject, QTimer

from assistant.platform.ports import WindowInfo

log = logging.getLogger(__name__)


class FrontWindow(QObject):
    TOPMOST_EVERY_S = 3.0
    HOTKEY_GAP_S = 20.0  # no poll for this long: the PC slept or was locked, re-register hotkeys

    def __init__(self, adapters, sidebar, is_own: Callable[[WindowInfo | None], bool],
                 paused: Callable[[], bool], restart_hotkeys: Callable[[], None], parent=None):
        super().__init__(parent)
        self.adapters = adapters
        self.sidebar = sidebar
        self.is_own = is_own
        self.paused = paused
        self.restart_hotkeys = restart_hotkeys
        self.timer = QTimer(self, interval=max(50, adapters.poll_ms))
        self._top_at = 0.0
        self._hotkeys_seen = 0.0
        self._hotkeys_alive = False

    def read(self, last: WindowInfo | None) -> tuple[WindowInfo, bool, bool] | None:
        """The outside window in front, whether it is another one than ``last`` (switched) and
        whether it switched or moved; None when the sidebar or popup itself is in front or the
        query failed. Re-asserts the sidebar's topmost place on a switch."""
        self.watch_hotkeys()
        try:
            win = self.adapters.active_window.current()
        except Exception:
            log.exception("active window query failed")
            return None
        if win is None or self.is_own(win):
            return None
        switched = last is None or win.handle != last.handle
        self.keep_on_top(force=switched)
        moved = switched or win.rect != last.rect
        return win, switched, moved

    def keep_on_top(self, force: bool = False) -> None:
        """Re-assert the sidebar's topmost place when the agent switches windows, and every few
        seconds (Windows drops it behind Task View and other topmost windows)."""
        now = time.monotonic()
        if not self.sidebar.isVisible() or (not force and now - self._top_at < self.TOPMOST_EVERY_S):
            return
        self._top_at = now
        try:
            if self.adapters.active_window.keep_on_top(int(self.sidebar.winId())):
                log.debug("sidebar put back on top")
        except Exception:
            log.exception("keep_on_top failed")

    def watch_hotkeys(self, now: float | None = None) -> bool:
        """Self-test of the global hotkeys: after sleep or lock (a long gap between two polls)
        or when the listener died, register them again. True when they were restarted."""
        now = time.time() if now is None else now
        gap = now - self._hotkeys_seen if self._hotkeys_seen else 0.0
        self._hotkeys_seen = now
        if self.paused():
            return False
        alive = self.adapters.hotkeys.alive()
        died = self._hotkeys_alive and not alive  # a listener that never started is not retried
        self._hotkeys_alive = alive
        if not (gap > self.HOTKEY_GAP_S or died):
            return False
        log.info("re-registering hotkeys (%s)", "listener stopped" if died else f"{gap:.0f} s without a poll")
        self.restart_hotkeys()
        self._hotkeys_alive = self.adapters.hotkeys.alive()
        return True
