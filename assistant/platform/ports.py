"""One Protocol per OS capability (DESIGN.md rule 2).

Every adapter — X11, Windows, macOS, the Qt clipboard in ui/, and the fakes used by unit tests —
implements these. Nothing here imports Qt or an OS library.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

MODIFIERS = ("ctrl", "alt", "shift", "cmd")


class PlatformError(RuntimeError):
    """An OS call failed in a way the user should hear about (message is Chinese, for the UI)."""


@dataclass(frozen=True)
class WindowInfo:
    """A top-level window as the OS reports it. ``handle`` is an X11 window id, an HWND or a
    macOS window number; it is only meaningful to the adapter that produced it."""

    handle: int
    title: str = ""
    process: str = ""  # executable name, lower case, without directory ("aliworkbench.exe")
    pid: int = 0
    rect: tuple[int, int, int, int] | None = None  # x, y, width, height on the virtual desktop
    wm_class: str = ""  # X11 WM_CLASS class, Windows class name ("WeChatMainWndForPC"); "" if unknown

    def same_window(self, other: "WindowInfo | None") -> bool:
        return other is not None and other.handle == self.handle


@dataclass
class ClipSnapshot:
    """A deep copy of what the clipboard held, to put back after we borrowed it.

    ``formats`` maps a MIME type (or an adapter-specific format name) to bytes. ``text`` is kept
    separately because every adapter can restore plain text even when it cannot restore the rest.
    ``native`` is for adapters that keep their own copy (e.g. a QMimeData).
    """

    text: str | None = None
    formats: dict[str, bytes] = field(default_factory=dict)
    native: Any = None

    @property
    def empty(self) -> bool:
        return self.text is None and not self.formats and self.native is None


@runtime_checkable
class Clipboard(Protocol):
    def text(self) -> str | None:
        """Plain text on the clipboard, or None when it holds no text (image, files, nothing)."""

    def set_text(self, text: str) -> bool:
        """Put text on the clipboard. True when the call itself reported success."""

    def sequence(self) -> int:
        """A number that changes whenever the clipboard content changes (ours or anyone's).
        Windows: GetClipboardSequenceNumber; X11: XFixes selection events; Qt: dataChanged."""

    def snapshot(self) -> ClipSnapshot: ...

    def restore(self, snap: ClipSnapshot) -> bool: ...

    def watch(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the thread that owns the adapter) after every change."""

    def is_own_change(self) -> bool:
        """True when the current content is something this process put there (an adapter that
        cannot tell says False: the sidebar's own pastes are skipped while a job runs anyway)."""

    def concealed(self) -> bool:
        """True when the content is marked secret by a password manager (or transient by a tool):
        never analysed or logged. An adapter that cannot see clipboard formats says False."""


class WatchedClipboard:
    """What the clipboard adapters without Qt share: watchers, run by ``_changed()`` when a poll
    of ``sequence()`` finds a change, and no way to see our own writes or concealed content."""

    def __init__(self) -> None:
        self._watchers: list[Callable[[], None]] = []

    def watch(self, callback: Callable[[], None]) -> None:
        self._watchers.append(callback)

    def _changed(self) -> None:
        for cb in list(self._watchers):
            cb()

    def is_own_change(self) -> bool:
        return False  # cannot tell (Clipboard port)

    def concealed(self) -> bool:
        return False  # clipboard formats not read here (Clipboard port)


@runtime_checkable
class Hotkeys(Protocol):
    """Global hotkeys. Listens for the registered combinations only and never records keys.

    Callbacks run on an OS thread: they must only emit a Qt signal or queue the event."""

    def register(self, combo: str, callback: Callable[[], None]) -> None:
        """``combo`` like "alt+w"; raises ValueError for a combination we cannot register."""

    def unregister_all(self) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def pause(self, paused: bool) -> None:
        """While paused nothing fires (used while we inject our own keystrokes)."""

    def alive(self) -> bool: ...


@runtime_checkable
class ActiveWindow(Protocol):
    def current(self) -> WindowInfo | None:
        """The foreground window, or None (lock screen, no window manager answer)."""

    def activate(self, win: WindowInfo) -> bool:
        """Ask the OS to bring ``win`` to the front. May be refused: callers poll ``current()``."""

    def keep_on_top(self, handle: int) -> bool:
        """Put our own always-on-top window ``handle`` back in the topmost band, never activating
        it: Windows lets Task View or another topmost window push it behind (desktop-pitfalls
        §5.3). True when the adapter (re)asserted it; False when there is nothing to do."""

    def shows(self, win: WindowInfo, x: int, y: int) -> bool | None:
        """Whether the screen at (x, y) shows ``win`` now: False when another window is on top
        there, None when the adapter cannot tell. Asked of the window server itself, not of the
        window manager's focus record, which lags a switch: read off the screen in that gap, one
        chat window's pixels would pass for the other's."""


@runtime_checkable
class TextInjector(Protocol):
    """Synthetic keystrokes into the foreground window. Text is always pasted, never typed."""

    def paste(self) -> None:
        """Send the paste shortcut (Ctrl+V, Cmd+V on macOS)."""

    def copy(self) -> None:
        """Send the copy shortcut (Ctrl+C, Cmd+C on macOS)."""

    def press(self, keys: str) -> None:
        """Send one combination, e.g. "enter" or "ctrl+enter" (the chat's send key)."""

    def modifiers_down(self) -> set[str]:
        """Modifiers the user still holds (subset of MODIFIERS, plus "key" where the adapter can
        tell that another key is still down); empty when none or unknown."""


@runtime_checkable
class ScreenText(Protocol):
    """The chat read off the screen: OCR of the marked message area (ui/screen_watch.py), or the
    client's own text through UI Automation on Windows (platform/uia.py).

    Two steps, so the cheap one can run often on the GUI thread and the slow one off it:
    ``frame`` returns what the area shows when it changed since the last call for that window
    (None when unchanged), ``bubbles`` turns a frame into the chat's bubbles
    (assistant.screen.layout.Bubble: role "customer"/"agent", text without headers)."""

    def available(self) -> tuple[bool, str]:
        """(usable, reason in Chinese when not)."""

    def read(self, win: WindowInfo | None = None, area: tuple[int, int, int, int] | None = None) -> str:
        """Everything the area shows now, one bubble a line (slow: not on the GUI thread)."""

    def frame(self, win: WindowInfo, area: tuple[int, int, int, int] | None) -> Any | None:
        """Cheap: the area's content if it changed since the last call, else None. ``area`` is
        x, y, w, h relative to the window (None: the adapter finds the message list itself)."""

    def bubbles(self, frame: Any, customer_side: str = "left") -> list: ...


@dataclass
class Adapters:
    """What the selector picked for this machine."""

    name: str  # "x11", "windows", "macos", "none"
    clipboard: Clipboard
    hotkeys: Hotkeys
    active_window: ActiveWindow
    injector: TextInjector
    screen_text: ScreenText
    notes: list[str] = field(default_factory=list)  # why something is limited, for the log/UI
    poll_ms: int = 300  # how often the UI may call active_window.current() on its own thread
