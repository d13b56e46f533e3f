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
from assistant.screen.watch import AreaReader, ChatReader, differs, thumb

log = logging.getLogger(__name__)


def grab_bgra(rect: tuple[int, int, int, int]):
    """The screen's pixels in ``rect`` (x, y, w, h, global coordinates) as an H×W×4 array in
    memory order B, G, R, A (Qt's 32-bit formats on little-endian machines), without a copy
    beyond the grab itself. Returns (array, image): the array is a view into the image's
    memory, valid only while the caller holds the image."""
    x, y, w, h = rect
    screen = QGuiApplication.screenAt(QPoint(x + w // 2, y + h // 2)) or QGuiApplication.primaryScreen()
    if screen is None or w <= 0 or h <= 0:
        return None
    g = screen.geometry()
    pm = screen.grabWindow(0, x - g.x(), y - g.y(), w, h)
    if pm.isNull():
        return None
    img = pm.toImage()
    if img.format() not in (QImage.Format_RGB32, QImage.Format_ARGB32, QImage.Format_ARGB32_Premultiplied):
        img = img.convertToFormat(QImage.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    arr = arr[:, : img.width() * 4].reshape(img.height(), img.width(), 4)
    arr.flags.writeable = False
    return arr, img


def to_rgb(bgra: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(bgra[:, :, 2::-1])


def grab(rect: tuple[int, int, int, int]) -> np.ndarray | None:
    """The screen's pixels in ``rect`` as an H×W×3 RGB array."""
    got = grab_bgra(rect)
    if got is None:
        return None
    arr, _img = got  # _img keeps the memory alive while we copy out of it
    return to_rgb(arr)


def quick_thumb(bgra: np.ndarray) -> np.ndarray:
    """A thumbnail from every other pixel of every other row (a quarter of the reads), pooled
    to one value per 8×8 screen pixels: enough to see a new line of text, cheap at 4 Hz."""
    return thumb(bgra[::2, ::2], 4)


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


class Frame:
    __slots__ = ("handle", "img")

    def __init__(self, handle: int, img: np.ndarray):
        self.handle, self.img = handle, img


class QtOcrScreenText:
    """ScreenText port: grab the marked area with Qt, OCR it (rapidocr-onnxruntime, off the GUI
    thread). ``frame`` is cheap: it grabs the bottom third of the area (where a chat adds its
    messages; a scroll or another conversation changes it too) and compares a thumbnail; only
    on a change does it grab the whole area. ``bubbles`` and ``read`` are not cheap."""

    WATCH_PART = 3  # watch the bottom 1/3 of the area for changes

    def __init__(self, shows=None):
        # ActiveWindow.shows: a changed area is read only when the screen there shows the window
        # it is read for. Right after a switch the focus record can still name the old chat while
        # the new one is already on top; its pixels would be read as the old chat's message.
        self.shows = shows
        self.covered = 0  # changes not read because another window was on top of the area
        self._thumbs: dict[int, np.ndarray] = {}
        self._areas: dict[int, AreaReader] = {}  # per window, used on the OCR thread only
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
        x, y, w, h = rect
        part = h // self.WATCH_PART
        got = grab_bgra((x, y + h - part, w, part))
        if got is None:
            return None
        raw, _img = got
        th = quick_thumb(raw)
        del raw, _img
        self.last_grab_ms = (time.perf_counter() - t) * 1000
        old = self._thumbs.get(win.handle)
        if not differs(old, th):
            return None
        if self.shows is not None and False in (self.shows(win, x + w // 2, y + h // 2),
                                                 self.shows(win, x + w // 2, y + h - part // 2)):
            self.covered += 1  # not this window's pixels: look again at the next tick
            return None
        if old is not None and old.shape == th.shape:
            log.debug("area changed: max thumb diff %.1f", float(np.abs(old - th).max()))
        self._thumbs[win.handle] = th
        img = grab(rect)
        return None if img is None else Frame(win.handle, img)

    def forget(self, handle: int | None = None) -> None:
        """Make the next ``frame`` count as changed (after a read that came too late)."""
        if handle is None:
            self._thumbs.clear()
        else:
            self._thumbs.pop(handle, None)

    def bubbles(self, frame, customer_side: str = "left") -> list:
        if isinstance(frame, np.ndarray):
            frame = Frame(0, frame)
        reader = self._areas.get(frame.handle)
        if reader is None:
            reader = self._areas[frame.handle] = AreaReader(self.ocr())
        return reader.bubbles(frame.img, customer_side)

    def read(self, win: WindowInfo | None = None, area=None) -> str:
        rect = area_on_screen(win, area) if win is not None else None
        img = grab(rect) if rect else None
        return "\n".join(b.text for b in AreaReader(self.ocr()).bubbles(img)) if img is not None else ""


class PreferText:
    """Windows: UI Automation where the client exposes its messages, OCR elsewhere."""

    def __init__(self, uia, ocr: QtOcrScreenText):
        self.uia, self.ocr_port = uia, ocr
        self._reads: dict[int, bool] = {}  # per window: does UI Automation give its messages?

    def available(self) -> tuple[bool, str]:
        return self.ocr_port.available()

    def frame(self, win, area):
        if win.handle not in self._reads:  # asked once per window (UIA calls are not free)
            self._reads[win.handle] = self.uia.reads(win)
        if self._reads[win.handle]:
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
            if hasattr(self.port, "ocr"):
                from assistant.screen.ocr import warm_up

                warm_up(self.port.ocr())
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

    def __init__(self, port, active_window, is_own=lambda w: False, parent=None, driven: bool = False):
        """``driven``: the owner calls ``sample(win)`` with the window in front on its own poll
        (the sidebar does: one window query per poll for both), instead of our timer."""
        super().__init__(parent)
        self.driven = driven
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
            if not self.driven:
                self.timer.start()
                self.tick()
            self._set_state("看屏已打开")
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
        win, p = self.front()
        self.sample(win, p)

    def sample(self, win: WindowInfo | None, p: prof.Profile | None = None, lookup: bool = False) -> None:
        """One look at the window in front (``lookup``: find its profile here)."""
        if not self.enabled:
            return
        self.stats["ticks"] += 1
        if lookup and win is not None:
            p = prof.pick(win, self.profiles)
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
            w, pp = self._pending_win, self._pending_profile
            self._pending_win = None
            QTimer.singleShot(0, self, lambda: self.sample(w, pp))

    @Slot(bool, str)
    def _on_warmed(self, ok: bool, why: str) -> None:
        if not ok:
            self.set_enabled(False)
            self._set_state(why)
