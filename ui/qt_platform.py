"""Adapters that need Qt: the Clipboard port over QClipboard, a QTimer scheduler for the paste
state machines, and the bridge that turns hotkey callbacks (OS thread) into a Qt signal."""
from __future__ import annotations

import logging
import time
from typing import Callable

from PySide6.QtCore import QByteArray, QMimeData, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QClipboard, QGuiApplication

from assistant.platform.paste import CONCEALED_FORMATS, transient_marks
from assistant.platform.ports import ClipSnapshot, Hotkeys

log = logging.getLogger(__name__)

SNAPSHOT_LIMIT = 32 * 1024 * 1024  # never deep-copy more than this (a huge image on the clipboard)


class QtClipboard(QObject):
    """Clipboard port over QClipboard. Deep-copies every format for the restore (desktop-pitfalls
    §2.4). ``sequence`` counts dataChanged; on Windows a real sequence source can be plugged in
    because QClipboard's signal misses some changes there (§2.3)."""

    changed = Signal()

    def __init__(self, sequence_source: Callable[[], int] | None = None, parent=None):
        super().__init__(parent)
        self.cb: QClipboard = QGuiApplication.clipboard()
        self._seq = 0
        self._source = sequence_source
        self._last_set: tuple[str, float] | None = None
        self.cb.dataChanged.connect(self._on_changed)

    @Slot()
    def _on_changed(self) -> None:
        self._seq += 1
        self.changed.emit()

    def text(self) -> str | None:
        md = self.cb.mimeData()
        if md is None or not md.hasText():
            return None
        return md.text()

    def selection_text(self) -> str | None:
        """X11's PRIMARY selection (the text selected anywhere, copied or not), unless it is ours;
        None where the platform has no such selection."""
        if not self.cb.supportsSelection() or self.cb.ownsSelection():
            return None
        md = self.cb.mimeData(QClipboard.Selection)
        return md.text() if md is not None and md.hasText() else None

    def has_text(self) -> bool:
        md = self.cb.mimeData()
        return md is not None and md.hasText()

    def set_text(self, text: str) -> bool:
        """Our reply, marked so clipboard history and managers skip it (restores are unmarked)."""
        self._last_set = (text, time.monotonic())
        md = QMimeData()
        md.setText(text)
        for fmt, data in transient_marks(QGuiApplication.platformName()).items():
            md.setData(fmt, QByteArray(data))
        self.cb.setMimeData(md)
        return True

    def concealed(self) -> bool:
        """The content is marked as a secret by a password manager (or as a transient by a tool
        like us): not a customer message, never to be analysed or logged."""
        md = self.cb.mimeData()
        return md is not None and not CONCEALED_FORMATS.isdisjoint(md.formats())

    def sequence(self) -> int:
        return self._source() if self._source else self._seq

    def owns(self) -> bool:
        return self.cb.ownsClipboard()

    def holds(self, text: str, seq: int) -> bool:
        """Does the clipboard still hold what we put there? On X11 and Windows ownership is exact
        (a target rendering our delayed formats may bump the Windows sequence number, so the
        number alone would wrongly say "changed"); elsewhere (macOS) compare the change count."""
        current = self.text()
        same = current is not None and current.replace("\r\n", "\n") == text.replace("\r\n", "\n")
        if QGuiApplication.platformName() in ("xcb", "windows"):
            return same and self.cb.ownsClipboard()
        return same and self.sequence() == seq

    def is_own_change(self) -> bool:
        """True when the current content is something this process put there."""
        if self.cb.ownsClipboard():  # exact on X11 and Windows
            return True
        if self._last_set is not None:  # macOS: ownsClipboard() is always false
            text, at = self._last_set
            return time.monotonic() - at < 2.0 and self.text() == text
        return False

    def snapshot(self) -> ClipSnapshot:
        md = self.cb.mimeData()
        snap = ClipSnapshot()
        if md is None:
            return snap
        copy = QMimeData()
        total = 0
        for fmt in md.formats():
            data = md.data(fmt)
            total += data.size()
            if total > SNAPSHOT_LIMIT:
                log.warning("clipboard too large to copy fully; keeping text only")
                copy = QMimeData()
                break
            copy.setData(fmt, data)
        if md.hasText():
            snap.text = md.text()
            if not copy.hasText():
                copy.setText(snap.text)
        snap.native = copy if copy.formats() else None
        return snap

    def restore(self, snap: ClipSnapshot) -> bool:
        if snap.native is not None:
            # QClipboard takes ownership of the QMimeData: give it a fresh copy so a snapshot can
            # be restored more than once
            fresh = QMimeData()
            for fmt in snap.native.formats():
                fresh.setData(fmt, snap.native.data(fmt))
            self.cb.setMimeData(fresh)
        elif snap.text is not None:
            self.cb.setText(snap.text)
        else:
            self.cb.clear()
        self._last_set = None
        return True

    def watch(self, callback: Callable[[], None]) -> None:
        self.changed.connect(callback)


class QtScheduler(QObject):
    """``Scheduler`` for the paste/grab state machines: QTimer, never a sleep."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._timers: set[QTimer] = set()

    def call_later(self, ms: int, fn: Callable[[], None]) -> None:
        t = QTimer(self)
        t.setSingleShot(True)

        def fire():
            self._timers.discard(t)
            t.deleteLater()
            fn()

        t.timeout.connect(fire)
        self._timers.add(t)
        t.start(max(0, int(ms)))

    def cancel_all(self) -> None:
        for t in list(self._timers):
            t.stop()
            t.deleteLater()
        self._timers.clear()

    def now_ms(self) -> float:
        return time.monotonic() * 1000


class HotkeyBridge(QObject):
    """Registers combos on a Hotkeys port; each callback only emits ``triggered(name)``, which Qt
    queues to the GUI thread (desktop-pitfalls §1.1, §1.2)."""

    triggered = Signal(str)

    def __init__(self, port: Hotkeys, parent=None):
        super().__init__(parent)
        self.port = port
        self.bound: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def bind(self, hotkeys: dict[str, str]) -> dict[str, str]:
        """{name: combo}; returns {name: error} for combos that could not be registered."""
        self.port.unregister_all()
        self.bound, self.errors = {}, {}
        for name, combo in hotkeys.items():
            if not (combo or "").strip():
                continue
            try:
                self.port.register(combo, lambda name=name: self.triggered.emit(name))
                self.bound[name] = combo
            except ValueError as exc:
                self.errors[name] = str(exc)
        self._collect_failed()
        return self.errors

    def _collect_failed(self) -> None:
        """Adapters that register with the OS (RegisterHotKey, XGrabKey) report combos another
        program holds in ``failed`` once running."""
        from assistant.platform.hotkeys import normalize

        failed = getattr(self.port, "failed", None) or {}
        for name, combo in self.bound.items():
            if normalize(combo) in failed:
                self.errors[name] = f"{combo.upper()} {failed[normalize(combo)]}"

    def start(self) -> None:
        try:
            self.port.start()
        except Exception as exc:  # e.g. no X RECORD extension, no macOS permission
            log.exception("hotkeys failed to start")
            self.errors["_start"] = f"全局快捷键不可用：{exc}"
        self._collect_failed()

    def stop(self) -> None:
        try:
            self.port.stop()
        except Exception:
            log.exception("hotkeys stop")
