"""Screen watch in the sidebar: the Qt screen grab that implements the ScreenText port (OCR of the
marked chat area), and the controller that samples it while the chat window is in front.

Per tick (SAMPLE_MS, on the GUI thread): is a chat client in front, does its profile have an area,
grab the area (a few ms), compare a downscaled copy with the last one (~1 ms). Only when it
changed does the frame go to the OCR thread; the bubbles come back, ChatReader decides whether
the newest customer bubble is new, and ``message`` carries it with the turns above it. Nothing is
written to disk here: frames and OCR text live in memory until the next change.
"""
from __future__ import annotations

import logging
import time

import numpy as np
from PySide6.QtCore import QObject, QPoint, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage

from assistant import profiles as prof
from assistant.platform.ports import WindowInfo
from assistant.screen.ocr import ocr_status
from assistant.screen.watch import ChatReader, differs, ocr_bubbles, thumb

log = logging.getLogger(__name__)


def grab(rect: tuple[int, int, int, int]) -> np.ndarray | None:
    """The screen's pixels in ``rect`` (x, y, w, h, global coordinates) as an H×W×3 RGB array."""
    x, y, w, h = rect
    screen = QGuiApplication.screenAt(QPoint(x + w // 2, y + h // 2)) or QGuiApplication.primaryScreen()
    if screen is None or w <= 0 or h <= 0:
        return None
    g = screen.geometry()
    pm = screen.grabWindow(0, x - g.x(), y - g.y(), w, h)
    if pm.isNull():
        return None
    img = pm.toImage().convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def area_on_screen(win: WindowInfo, area) -> tuple[int, int, int, int] | None:
    if win.rect is None or area is None:
        return None
    wx, wy, ww, wh = win.rect
    ax, ay, aw, ah = area
    # clip to the window: a window made smaller than when the area was marked
    aw, ah = min(aw, ww - ax), min(ah, wh - ay)
    if aw < 20 or ah < 20:
        return None
    return (wx + ax, wy + ay, aw, ah)


class QtOcrScreenText:
    """ScreenText port: grab the marked area with Qt, OCR it (rapidocr-onnxruntime, off the GUI
    thread). ``frame`` is cheap; ``bubbles`` and ``read`` are not."""

    def __init__(self):
        self._thumbs: dict[int, np.ndarray] = {}
        self._ocr = None
        self.last_grab_ms = 0.0

    def available(self) -> tuple[bool, str]:
        return ocr_status()

    def ocr(self):
        if self._ocr is None:
            from assistant.screen.ocr import RapidOcr

            self._ocr = RapidOcr()
        return self._ocr

    def frame(self, win: WindowInfo, area):
        rect = area_on_screen(win, area)
        if rect is None:
            return None
        t = time.perf_counter()
        img = grab(rect)
        if img is None:
            return None
        th = thumb(img)
        self.last_grab_ms = (time.perf_counter() - t) * 1000
        if not differs(self._thumbs.get(win.handle), th):
            return None
        self._thumbs[win.handle] = th
        return img

    def forget(self, handle: int | None = None) -> None:
        """Make the next ``frame`` count as changed (after a read that came too late)."""
        if handle is None:
            self._thumbs.clear()
        else:
            self._thumbs.pop(handle, None)

    def bubbles(self, frame, customer_side: str = "left") -> list:
        return ocr_bubbles(self.ocr(), frame, customer_side)

    def read(self, win: WindowInfo | None = None, area=None) -> str:
        rect = area_on_screen(win, area) if win is not None else None
        img = grab(rect) if rect else None
        return "\n".join(b.text for b in self.bubbles(img)) if img is not None else ""


class PreferText:
    """Windows: UI Automation where the client exposes its messages, OCR elsewhere."""

    def __init__(self, uia, ocr: QtOcrScreenText):
        self.uia, self.ocr_port = uia, ocr

    def available(self) -> tuple[bool, str]:
        return self.ocr_port.available()

    def frame(self, win, area):
        if self.uia.reads(win):
            f = self.uia.frame(win, area)
            return None if f is None else ("uia", f)
        f = self.ocr_port.frame(win, area)
        return None if f is None else ("ocr", f)

    def bubbles(self, frame, customer_side="left"):
        kind, f = frame
        return (self.uia if kind == "uia" else self.ocr_port).bubbles(f, customer_side)

    def forget(self, handle=None):
        self.ocr_port.forget(handle)

    def read(self, win=None, area=None):
        return self.uia.read(win) or self.ocr_port.read(win, area)


class _Reader(QObject):
    """Runs ``port.bubbles`` on its own thread."""

    done = Signal(int, object, float)  # seq, bubbles (or an error string), ms
    warmed = Signal(bool, str)

    def __init__(self, port):
        super().__init__()
        self.port = port

    @Slot(int, object, str)
    def read(self, seq: int, frame, side: str) -> None:
        t = time.perf_counter()
        try:
            out = self.port.bubbles(frame, side)
        except Exception as exc:
            log.exception("screen read failed")
            out = f"读取屏幕失败：{exc}"
        self.done.emit(seq, out, (time.perf_counter() - t) * 1000)

    @Slot()
    def warm(self) -> None:
        """Load the models and run them once (the first run is ~1 s slower than the next)."""
        try:
            self.port.bubbles(np.full((64, 320, 3), 255, np.uint8)) if hasattr(self.port, "ocr") else None
            self.warmed.emit(True, "")
        except Exception as exc:
            log.exception("OCR warm-up failed")
            self.warmed.emit(False, f"文字识别加载失败：{exc}")


class ScreenWatch(QObject):
    """Samples the chat area of the window in front; emits new customer messages."""

    SAMPLE_MS = 250

    message = Signal(str, list, str)  # text, context turns [{role, text}], profile id
    state_changed = Signal(str)  # a line for the status bar / indicator tooltip
    _to_reader = Signal(int, object, str)
    _warm = Signal()

    def __init__(self, port, active_window, is_own=lambda w: False, parent=None):
        super().__init__(parent)
        self.port = port
        self.active_window = active_window
        self.is_own = is_own
        self.profiles: list[prof.Profile] = []
        self.enabled = False
        self.profile: prof.Profile | None = None
        self.window: WindowInfo | None = None
        self.readers: dict[int, ChatReader] = {}
        self.state = ""
        self.busy = False
        self._seq = 0
        self._pending_win: WindowInfo | None = None
        self._pending_profile: prof.Profile | None = None
        self.timing: dict[str, float] = {}
        self.last_bubbles: list = []
        self.stats = {"ticks": 0, "grabs": 0, "reads": 0, "messages": 0, "grab_ms": 0.0, "read_ms": 0.0}
        self.timer = QTimer(self, interval=self.SAMPLE_MS)
        self.timer.timeout.connect(self.tick)
        self.thread = QThread()
        self.thread.setObjectName("screen-read")
        self.reader = _Reader(port)
        self.reader.moveToThread(self.thread)
        self._to_reader.connect(self.reader.read)
        self._warm.connect(self.reader.warm)
        self.reader.done.connect(self._on_read)
        self.reader.warmed.connect(self._on_warmed)

    def available(self) -> tuple[bool, str]:
        return self.port.available()

    def set_profiles(self, profiles: list[prof.Profile]) -> None:
        self.profiles = profiles
        if self.profile is not None:
            self.profile = next((p for p in profiles if p.id == self.profile.id), None)
        self.port_forget()

    def port_forget(self) -> None:
        forget = getattr(self.port, "forget", None)
        if forget is not None:
            forget()

    def set_enabled(self, on: bool) -> tuple[bool, str]:
        if on:
            ok, why = self.available()
            if not ok:
                self.enabled = False
                self._set_state(why)
                return False, why
            if not self.thread.isRunning():
                self.thread.start()
                self._warm.emit()
            self.enabled = True
            self.port_forget()
            self.timer.start()
            self._set_state("看屏已打开")
            self.tick()
        else:
            self.enabled = False
            self.timer.stop()
            self.readers.clear()  # forget what was read: nothing is kept while off
            self.last_bubbles = []
            self._set_state("看屏已关闭")
        return True, ""

    def stop(self) -> None:
        self.timer.stop()
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait(10000)

    def _set_state(self, s: str) -> None:
        if s != self.state:
            self.state = s
            self.state_changed.emit(s)

    def front(self) -> tuple[WindowInfo | None, prof.Profile | None]:
        try:
            win = self.active_window.current()
        except Exception:
            log.exception("active window query failed")
            return None, None
        if win is None or self.is_own(win):
            return None, None
        return win, prof.pick(win, self.profiles)

    @Slot()
    def tick(self) -> None:
        if not self.enabled:
            return
        self.stats["ticks"] += 1
        win, p = self.front()
        if win is None:
            return  # our own window or nothing in front: keep the last state, read nothing
        self.window, self.profile = win, p
        if p is None:
            self._set_state("看屏：前台窗口不是已知的聊天软件")
            return
        if p.area is None and not hasattr(self.port, "uia"):
            self._set_state(f"看屏：请先框选「{p.name}」的聊天区域")
            return
        if self.busy:
            self._pending_win, self._pending_profile = win, p
            return
        t = time.perf_counter()
        frame = self.port.frame(win, p.area)
        self.stats["grabs"] += 1
        self.stats["grab_ms"] += (time.perf_counter() - t) * 1000
        self._set_state(f"看屏中：{p.name}")
        if frame is None:
            return
        self._start_read(win, p, frame)

    def _start_read(self, win: WindowInfo, p: prof.Profile, frame) -> None:
        self.busy = True
        self._seq += 1
        self._reading = (self._seq, win, p)
        self.timing["changed_at"] = time.monotonic()
        self._to_reader.emit(self._seq, frame, p.customer_side)

    @Slot(int, object, float)
    def _on_read(self, seq: int, bubbles, ms: float) -> None:
        self.busy = False
        self.stats["reads"] += 1
        self.stats["read_ms"] += ms
        _, win, p = self._reading
        if isinstance(bubbles, str):
            self._set_state(bubbles)
            return
        self.timing["read_at"] = time.monotonic()
        self.timing["read_ms"] = ms
        if self.enabled:
            self.last_bubbles = bubbles
            reader = self.readers.setdefault(win.handle, ChatReader())
            got = reader.update(bubbles)
            if got.message is not None:
                self.stats["messages"] += 1
                self.message.emit(got.message.text, got.turns, p.id)
        if self._pending_win is not None:  # it changed again while we read: look again now
            self._pending_win = None
            QTimer.singleShot(0, self, self.tick)

    @Slot(bool, str)
    def _on_warmed(self, ok: bool, why: str) -> None:
        if not ok:
            self.set_enabled(False)
            self._set_state(why)
