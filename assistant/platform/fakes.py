"""In-memory fakes of every port, wired together as a tiny desktop for unit tests.

``FakeDesktop`` has windows with an input box; ``FakeTextInjector.paste()`` appends the fake
clipboard's text to the input box of the foreground window, so a test can check the whole paste
sequence (clipboard, focus, modifiers, restore) without an X server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from assistant.platform.hotkeys import Matcher, parse_combo
from assistant.platform.ports import Adapters, ClipSnapshot, WindowInfo


class FakeClipboard:
    def __init__(self, text: str | None = None):
        self._text = text
        self._formats: dict[str, bytes] = {}
        self._seq = 1
        self._watchers: list[Callable[[], None]] = []
        self.fail_sets = 0  # make the next N set_text calls fail (clipboard locked by another app)
        self.log: list[str] = []

    # port
    def text(self) -> str | None:
        return self._text

    def set_text(self, text: str) -> bool:
        if self.fail_sets > 0:
            self.fail_sets -= 1
            self.log.append("set failed")
            return False
        self._put(text, {})
        self.log.append(f"set {text!r}")
        return True

    def sequence(self) -> int:
        return self._seq

    def snapshot(self) -> ClipSnapshot:
        return ClipSnapshot(text=self._text, formats=dict(self._formats))

    def restore(self, snap: ClipSnapshot) -> bool:
        self._put(snap.text, dict(snap.formats))
        self.log.append(f"restore {snap.text!r}")
        return True

    def watch(self, callback: Callable[[], None]) -> None:
        self._watchers.append(callback)

    def is_own_change(self) -> bool:
        return False  # the fake desktop's own pastes are skipped while a job runs

    def concealed(self) -> bool:
        from assistant.platform.paste import CONCEALED_FORMATS

        return not CONCEALED_FORMATS.isdisjoint(self._formats)

    # test helpers
    def _put(self, text: str | None, formats: dict[str, bytes]) -> None:
        self._text = text
        self._formats = formats
        self._seq += 1
        for cb in list(self._watchers):
            cb()

    def copy_from_elsewhere(self, text: str | None, formats: dict[str, bytes] | None = None) -> None:
        """Another program (the chat window) put something on the clipboard."""
        self._put(text, dict(formats or {}))


@dataclass
class FakeWindow:
    info: WindowInfo
    input: str = ""
    selection: str = ""  # what Ctrl+C would copy

    def select(self, text: str, clipboard: "FakeClipboard | None" = None) -> None:
        """The agent selects text; an auto-copy client puts it on the clipboard at once."""
        self.selection = text
        if self.auto_copy and clipboard is not None:
            clipboard.copy_from_elsewhere(text)
    sent: list[str] = field(default_factory=list)  # messages sent with the send key
    refuses_focus: bool = False
    auto_copy: bool = False  # copies a selection itself (X11 clients): Ctrl+C then changes nothing


class FakeDesktop:
    def __init__(self):
        self.windows: dict[int, FakeWindow] = {}
        self.foreground: int | None = None
        self._next = 100

    def open(self, title: str, process: str = "", *, pid: int = 4242, refuses_focus=False,
             rect=(100, 100, 800, 600)) -> FakeWindow:
        self._next += 1
        w = FakeWindow(WindowInfo(self._next, title, process, pid, rect), refuses_focus=refuses_focus)
        self.windows[w.info.handle] = w
        self.foreground = w.info.handle
        return w

    def front(self) -> FakeWindow | None:
        return self.windows.get(self.foreground) if self.foreground is not None else None


class FakeActiveWindow:
    def __init__(self, desktop: FakeDesktop):
        self.desktop = desktop
        self.activations: list[int] = []
        self.on_top: list[int] = []  # keep_on_top calls, in order

    def current(self) -> WindowInfo | None:
        w = self.desktop.front()
        return w.info if w else None

    def activate(self, win: WindowInfo) -> bool:
        self.activations.append(win.handle)
        w = self.desktop.windows.get(win.handle)
        if w is None or w.refuses_focus:
            return False
        self.desktop.foreground = win.handle
        return True

    def keep_on_top(self, handle: int) -> bool:
        self.on_top.append(handle)
        return True

    def shows(self, win: WindowInfo, x: int, y: int) -> bool | None:
        """On the fake desktop the window in front covers every other."""
        return None if self.desktop.foreground is None else self.desktop.foreground == win.handle


class FakeTextInjector:
    def __init__(self, desktop: FakeDesktop, clipboard: FakeClipboard):
        self.desktop = desktop
        self.clipboard = clipboard
        self.held: set[str] = set()  # modifiers the "user" holds
        self.keys: list[str] = []

    def paste(self) -> None:
        self.keys.append("ctrl+v")
        w = self.desktop.front()
        if w is not None and self.clipboard.text():
            w.input += self.clipboard.text()

    def copy(self) -> None:
        self.keys.append("ctrl+c")
        w = self.desktop.front()
        if w is not None and w.selection:
            if w.auto_copy and self.clipboard.text() == w.selection:
                return  # the client owns the clipboard with this text already: no change event
            self.clipboard.copy_from_elsewhere(w.selection)

    def press(self, keys: str) -> None:
        self.keys.append(keys)
        w = self.desktop.front()
        if w is not None and keys in ("enter", "ctrl+enter") and w.input:
            w.sent.append(w.input)
            w.input = ""

    def modifiers_down(self) -> set[str]:
        return set(self.held)


class FakeHotkeys:
    """Fires through the same exact-modifier ``Matcher`` as the real adapter."""

    def __init__(self):
        self.matcher = Matcher()
        self.started = False
        self.registered: list[str] = []

    def register(self, combo: str, callback: Callable[[], None]) -> None:
        c = parse_combo(combo)
        self.matcher.register(c, callback)
        self.registered.append(str(c))

    def unregister_all(self) -> None:
        self.matcher.clear()
        self.registered.clear()

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def pause(self, paused: bool) -> None:
        self.matcher.paused = paused

    def alive(self) -> bool:
        return self.started

    def tap(self, combo: str) -> bool:
        """Simulate the user pressing and releasing a combination. True if a hotkey fired."""
        c = parse_combo(combo)
        if not self.started:
            return False
        for m in c.mods:
            self.matcher.press(m)
        fired = self.matcher.press(c.key) is not None
        self.matcher.release(c.key)
        for m in c.mods:
            self.matcher.release(m)
        return fired


class FakeScreenText:
    """The chat as bubbles per window: ``show(handle, [("customer", "在吗"), ...])``; ``frame``
    returns them once after each change, as the real adapters do."""

    def __init__(self):
        self.chats: dict[int, list[tuple[str, str]]] = {}
        self._seen: dict[int, list] = {}
        self.frames = 0

    def show(self, handle: int, turns: list[tuple[str, str]]) -> None:
        self.chats[handle] = list(turns)

    def available(self) -> tuple[bool, str]:
        return True, ""

    def frame(self, win: WindowInfo, area=None):
        cur = self.chats.get(win.handle)
        if cur is None or self._seen.get(win.handle) == cur:
            return None
        self._seen[win.handle] = list(cur)
        self.frames += 1
        return list(cur)

    def bubbles(self, frame, customer_side: str = "left") -> list:
        from assistant.screen.layout import Bubble

        return [Bubble(role, text, (0, 0, 0, 0)) for role, text in frame or []]

    def forget(self, handle=None) -> None:
        self._seen.clear() if handle is None else self._seen.pop(handle, None)

    def read(self, win: WindowInfo | None = None, area=None) -> str:
        return "\n".join(t for _, t in self.chats.get(win.handle, [])) if win else ""


def fake_adapters() -> tuple[Adapters, FakeDesktop]:
    desktop = FakeDesktop()
    clip = FakeClipboard()
    adapters = Adapters(
        name="fake", clipboard=clip, hotkeys=FakeHotkeys(), active_window=FakeActiveWindow(desktop),
        injector=FakeTextInjector(desktop, clip), screen_text=FakeScreenText(), poll_ms=50)
    return adapters, desktop
