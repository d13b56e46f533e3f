"""X11 adapters: python-xlib for the active window, modifier state and XTest keystrokes (no
subprocess per call, ~0.1 ms a round trip); xclip + XFixes for the clipboard when Qt is not there.

Every Display connection is used from one thread only (the one that created the adapter).
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from assistant.platform.hotkeys import ThreadHotkeys, parse_combo
from assistant.platform.ports import ClipSnapshot, WatchedClipboard, WindowInfo

log = logging.getLogger(__name__)

_KEYSYMS = {"enter": "Return", "esc": "Escape", "space": "space", "tab": "Tab", "backspace": "BackSpace",
            "delete": "Delete", "insert": "Insert", "home": "Home", "end": "End", "page_up": "Prior",
            "page_down": "Next", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
            "ctrl": "Control_L", "alt": "Alt_L", "shift": "Shift_L", "cmd": "Super_L", ".": "period",
            ",": "comma", "/": "slash", "-": "minus", "=": "equal", ";": "semicolon", "'": "apostrophe",
            "[": "bracketleft", "]": "bracketright", "`": "grave", "\\": "backslash"}


def open_display(name: str | None = None):
    from Xlib import display as xdisplay

    return xdisplay.Display(name or os.environ.get("DISPLAY"))


def process_name(pid: int) -> str:
    if not pid:
        return ""
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8", errors="replace").strip().lower()
    except OSError:
        return ""


class X11ActiveWindow:
    """``_NET_ACTIVE_WINDOW`` from the window manager; ``XGetInputFocus`` when there is no EWMH WM."""

    def __init__(self, display=None):
        self.d = display or open_display()
        self.root = self.d.screen().root
        self._atoms: dict[str, int] = {}

    def atom(self, name: str) -> int:
        a = self._atoms.get(name)
        if a is None:
            a = self._atoms[name] = self.d.intern_atom(name)
        return a

    def has_ewmh(self) -> bool:
        from Xlib import X

        try:
            p = self.root.get_full_property(self.atom("_NET_SUPPORTING_WM_CHECK"), X.AnyPropertyType)
            return bool(p and len(p.value) and p.value[0])
        except Exception:
            return False

    def _active_id(self) -> int:
        from Xlib import X

        p = self.root.get_full_property(self.atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if p is not None and len(p.value) and p.value[0]:
            return int(p.value[0])
        focus = self.d.get_input_focus().focus
        wid = getattr(focus, "id", 0) if not isinstance(focus, int) else 0
        if wid in (0, 1):  # None / PointerRoot
            return 0
        return self._client_of(wid)

    def _client_of(self, wid: int) -> int:
        """Walk up from a focus window to the nearest ancestor that has a title."""
        w = self.d.create_resource_object("window", wid)
        for _ in range(8):
            if self._title(w):
                return w.id
            tree = w.query_tree()
            if not tree.parent or tree.parent.id == self.root.id:
                return w.id
            w = tree.parent
        return wid

    def _title(self, w) -> str:
        from Xlib import X

        p = w.get_full_property(self.atom("_NET_WM_NAME"), self.atom("UTF8_STRING"))
        if p is not None and p.value:
            v = p.value
            return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
        p = w.get_full_property(self.atom("WM_NAME"), X.AnyPropertyType)
        if p is not None and p.value:
            v = p.value
            return v.decode("latin-1", "replace") if isinstance(v, bytes) else str(v)
        return ""

    def info(self, wid: int) -> WindowInfo | None:
        from Xlib import X
        from Xlib.error import XError

        try:
            w = self.d.create_resource_object("window", wid)
            title = self._title(w)
            p = w.get_full_property(self.atom("_NET_WM_PID"), X.AnyPropertyType)
            pid = int(p.value[0]) if p is not None and len(p.value) else 0
            g = w.get_geometry()
            t = self.root.translate_coords(w, 0, 0)
            rect = (int(t.x), int(t.y), int(g.width), int(g.height))
            cls = w.get_wm_class()
        except XError:
            return None  # the window went away between two calls
        return WindowInfo(wid, title, process_name(pid), pid, rect, wm_class=cls[1] if cls else "")

    def _top_level(self, wid: int) -> int:
        """The child of the root that holds ``wid`` (its window manager frame, or itself)."""
        w = self.d.create_resource_object("window", wid)
        for _ in range(16):
            parent = w.query_tree().parent
            if not parent or parent.id == self.root.id:
                return w.id
            w = parent
        return w.id

    def shows(self, win: WindowInfo, x: int, y: int) -> bool | None:
        """The X server's own stacking order (XQueryTree lists the root's children bottom to
        top), not _NET_ACTIVE_WINDOW: the topmost mapped top-level window containing (x, y) must
        be ``win``'s."""
        from Xlib import X
        from Xlib.error import XError

        try:
            mine = self._top_level(win.handle)
            for child in reversed(self.root.query_tree().children):
                if child.get_attributes().map_state != X.IsViewable:
                    continue
                g = child.get_geometry()
                edge = 2 * g.border_width
                if g.x <= x < g.x + g.width + edge and g.y <= y < g.y + g.height + edge:
                    return child.id == mine
        except XError:
            return None  # a window went away between two calls
        return None

    def current(self) -> WindowInfo | None:
        from Xlib.error import XError

        try:
            wid = self._active_id()
        except XError:
            return None
        return self.info(wid) if wid else None

    def activate(self, win: WindowInfo) -> bool:
        from Xlib import X
        from Xlib.error import XError
        from Xlib.protocol import event

        try:
            w = self.d.create_resource_object("window", win.handle)
            if self.has_ewmh():
                # source indication 2 ("pager"): honoured by more WMs than 1 (desktop-pitfalls §4.5)
                ev = event.ClientMessage(window=w, client_type=self.atom("_NET_ACTIVE_WINDOW"),
                                         data=(32, [2, X.CurrentTime, 0, 0, 0]))
                self.root.send_event(ev, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
            else:
                w.configure(stack_mode=X.Above)
                w.set_input_focus(X.RevertToParent, X.CurrentTime)
            self.d.flush()
            return True
        except XError:
            log.exception("activate failed")
            return False

    def keep_on_top(self, handle: int) -> bool:
        """Ask the window manager to add _NET_WM_STATE_ABOVE when the window lost it (Qt sets it
        for WindowStaysOnTopHint; some WMs drop it on a workspace switch or fullscreen app)."""
        from Xlib import X, Xatom
        from Xlib.error import XError
        from Xlib.protocol import event

        if not self.has_ewmh():
            return False
        above = self.atom("_NET_WM_STATE_ABOVE")
        try:
            w = self.d.create_resource_object("window", handle)
            p = w.get_full_property(self.atom("_NET_WM_STATE"), Xatom.ATOM)
            if p is not None and above in list(p.value):
                return False
            ev = event.ClientMessage(window=w, client_type=self.atom("_NET_WM_STATE"),
                                     data=(32, [1, above, 0, 2, 0]))  # 1 = add, source 2 = pager
            self.root.send_event(ev, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
            self.d.flush()
            return True
        except XError:
            log.exception("keep_on_top failed")
            return False


class X11TextInjector:
    """XTest key events. Pastes with Ctrl+V; the text itself travels through the clipboard."""

    def __init__(self, display=None):
        from Xlib.ext import xtest  # noqa: F401  (fails early if the extension module is missing)

        self.d = display or open_display()
        if not self.d.has_extension("XTEST"):
            raise RuntimeError("X 服务器没有 XTEST 扩展，无法模拟按键")
        self.root = self.d.screen().root

    def _keycode(self, key: str) -> int:
        from Xlib import XK

        name = _KEYSYMS.get(key, key)
        sym = XK.string_to_keysym(name)
        if not sym and len(key) == 1:
            sym = ord(key)
        code = self.d.keysym_to_keycode(sym)
        if not code:
            raise RuntimeError(f"键盘布局里没有这个键：{key}")
        return code

    def _tap(self, combo: str) -> None:
        from Xlib import X
        from Xlib.ext import xtest

        c = parse_combo(combo)
        mods = [self._keycode(m) for m in sorted(c.mods)]
        key = self._keycode(c.key)
        for m in mods:
            xtest.fake_input(self.d, X.KeyPress, m)
        xtest.fake_input(self.d, X.KeyPress, key)
        xtest.fake_input(self.d, X.KeyRelease, key)
        for m in reversed(mods):
            xtest.fake_input(self.d, X.KeyRelease, m)
        self.d.sync()

    def paste(self) -> None:
        self._tap("ctrl+v")

    def copy(self) -> None:
        self._tap("ctrl+c")

    def press(self, keys: str) -> None:
        self._tap(keys)

    def modifiers_down(self) -> set[str]:
        from Xlib import X

        mask = self.root.query_pointer().mask
        out = set()
        if mask & X.ShiftMask:
            out.add("shift")
        if mask & X.ControlMask:
            out.add("ctrl")
        if mask & X.Mod1Mask:
            out.add("alt")
        if mask & X.Mod4Mask:
            out.add("cmd")
        if not out:
            # the hotkey's own key: while it is down our key grab still holds the keyboard, and a
            # Ctrl+C sent now would go to us instead of the chat window
            mods = self._modifier_codes()
            keymap = self.d.query_keymap()
            for i, byte in enumerate(keymap):
                for bit in range(8):
                    if byte & (1 << bit) and (i * 8 + bit) not in mods:
                        out.add("key")
                        return out
        return out

    def _modifier_codes(self) -> set[int]:
        codes = getattr(self, "_mod_codes", None)
        if codes is None:
            mm = self.d.get_modifier_mapping()
            codes = self._mod_codes = {c for row in mm for c in row if c}
        return codes


_TEXT_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "STRING", "TEXT", "text/plain")
_KEEP_TARGETS = ("text/html", "image/png", "text/uri-list")


class XClipClipboard(WatchedClipboard):
    """Clipboard without Qt (CLI, headless helpers). Reads and writes through xclip; the change
    counter comes from XFixes selection-owner events. Restores text, or one rich format (xclip
    serves one target per process) — the Qt adapter in ui/ restores every format."""

    def __init__(self, display=None, xclip: str | None = None):
        self.xclip = xclip or shutil.which("xclip")
        if not self.xclip:
            raise RuntimeError("没有安装 xclip")
        super().__init__()
        self.d = display or open_display()
        self._seq = 0
        self._xfixes = False
        try:
            from Xlib.ext import xfixes

            if self.d.has_extension("XFIXES"):
                self.d.xfixes_query_version()
                self.d.xfixes_select_selection_input(
                    self.d.screen().root, self.d.intern_atom("CLIPBOARD"),
                    xfixes.XFixesSetSelectionOwnerNotifyMask | xfixes.XFixesSelectionWindowDestroyNotifyMask
                    | xfixes.XFixesSelectionClientCloseNotifyMask)
                self.d.sync()
                self._xfixes = True
        except Exception:
            log.exception("XFixes unavailable; clipboard changes are seen by content only")
        self._last_text = None

    def _run(self, args: list[str], data: bytes | None = None, timeout=2.0) -> bytes | None:
        # "-i": xclip forks a child that serves the selection; it must not inherit our pipes,
        # or waiting for EOF would block until someone else copies
        out = subprocess.DEVNULL if "-i" in args else subprocess.PIPE
        try:
            r = subprocess.run([self.xclip, "-selection", "clipboard", *args], input=data,
                               stdout=out, stderr=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if r.returncode != 0:
            return None
        return r.stdout if r.stdout is not None else b""

    def targets(self) -> list[str]:
        out = self._run(["-o", "-t", "TARGETS"])
        return out.decode("latin-1").split() if out else []

    def text(self) -> str | None:
        t = self.targets()
        target = next((x for x in _TEXT_TARGETS if x in t), None)
        if target is None:
            return None
        out = self._run(["-o", "-t", target])
        return out.decode("utf-8", "replace") if out is not None else None

    def set_text(self, text: str) -> bool:
        # xclip forks a child that serves the selection until someone else takes it
        out = self._run(["-i", "-t", "UTF8_STRING"], data=text.encode("utf-8"))
        self._pump()
        return out is not None

    def _pump(self) -> None:
        if self._xfixes:
            changed = False
            while self.d.pending_events():
                self.d.next_event()
                self._seq += 1
                changed = True
            self.d.sync()
            while self.d.pending_events():
                self.d.next_event()
                self._seq += 1
                changed = True
            if changed:
                self._changed()
        else:
            t = self.text()
            if t != self._last_text:
                self._last_text = t
                self._seq += 1
                self._changed()

    def sequence(self) -> int:
        self._pump()
        return self._seq

    def snapshot(self) -> ClipSnapshot:
        t = self.targets()
        snap = ClipSnapshot(text=self.text() if any(x in t for x in _TEXT_TARGETS) else None)
        for target in _KEEP_TARGETS:
            if target in t:
                data = self._run(["-o", "-t", target])
                if data is not None and len(data) < 32 * 1024 * 1024:
                    snap.formats[target] = data
        return snap

    def restore(self, snap: ClipSnapshot) -> bool:
        if snap.text is not None:
            return self.set_text(snap.text)
        for target, data in snap.formats.items():
            ok = self._run(["-i", "-t", target], data=data) is not None
            self._pump()
            return ok
        return True  # the clipboard was empty: leave ours (X11 cannot "clear" without owning)


class X11GrabHotkeys(ThreadHotkeys):
    """Hotkeys port over XGrabKey on the root window (the X11 default).

    A pynput listener (XRecord) only watches: the combination still reaches the focused
    application, and Qt-based chat windows then type the letter of Alt+Q into the input box. A
    passive grab takes the key away from the application instead — the X11 counterpart of
    Windows' RegisterHotKey. The server matches the modifier set exactly; the variants with
    CapsLock/NumLock on are grabbed too. A combination another program already grabbed fails
    with BadAccess and is reported in ``failed``. Runs its own Display connection on its own
    thread; callbacks only emit a Qt signal (they run on that thread)."""

    _IGNORED = (0, 2, 16, 2 | 16)  # LockMask, Mod2Mask (NumLock)
    thread_name = "x11-hotkeys"

    def __init__(self, display_name: str | None = None):
        super().__init__()
        self._display_name = display_name

    @staticmethod
    def _mask(mods) -> int:
        from Xlib import X

        m = 0
        for name, bit in (("shift", X.ShiftMask), ("ctrl", X.ControlMask), ("alt", X.Mod1Mask),
                          ("cmd", X.Mod4Mask)):
            if name in mods:
                m |= bit
        return m

    def _run(self) -> None:  # the loop looks at _stop every 0.2 s: no _wake needed
        import select

        from Xlib import X, XK, error

        d = open_display(self._display_name)
        root = d.screen().root
        table: dict[tuple[int, int], int] = {}
        self.failed = {}
        for hid, (c, _) in self._combos.items():
            sym = XK.string_to_keysym(_KEYSYMS.get(c.key, c.key)) or (ord(c.key) if len(c.key) == 1 else 0)
            code = d.keysym_to_keycode(sym)
            if not code:
                self.failed[str(c)] = "键盘布局里没有这个键"
                continue
            mask = self._mask(c.mods)
            catcher = error.CatchError(error.BadAccess)
            for extra in self._IGNORED:
                root.grab_key(code, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
            d.sync()
            if catcher.get_error():
                self.failed[str(c)] = "已被其他程序占用"
                log.warning("XGrabKey failed for %s (grabbed by another program)", c)
                continue
            table[(code, mask)] = hid
        self._ready.set()
        last_release: dict[int, int] = {}
        strip = ~(2 | 16) & 0xFF
        try:
            while not self._stop.is_set():
                if not d.pending_events():
                    select.select([d.fileno()], [], [], 0.2)
                    if not d.pending_events():
                        continue
                ev = d.next_event()
                if ev.type == X.KeyRelease:
                    last_release[ev.detail] = ev.time
                elif ev.type == X.KeyPress:
                    if last_release.get(ev.detail) == ev.time:
                        continue  # auto-repeat: X sends release+press with one timestamp
                    hid = table.get((ev.detail, ev.state & strip & (1 | 4 | 8 | 64)))
                    if hid is not None:
                        self._fire(hid)
        finally:
            try:
                for code, mask in table:
                    for extra in self._IGNORED:
                        root.ungrab_key(code, mask | extra)
                d.close()
            except Exception:
                pass
