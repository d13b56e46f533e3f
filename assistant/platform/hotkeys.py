"""Hotkey combinations: parsing, conflict checks, an exact-modifier matcher, the pynput adapter.

pynput's own ``GlobalHotKeys`` fires Ctrl+Alt+B for Ctrl+Alt+Shift+B, fires Ctrl+B after an
Alt+Tab left Alt "down", and fires plain ``q`` for ``shift+q`` (desktop-pitfalls §1.3). The
``Matcher`` here fires only when exactly the registered modifiers are held, once per press, and
forgets modifiers that have been "held" suspiciously long (a lost key-up).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from assistant.platform.ports import MODIFIERS

log = logging.getLogger(__name__)

_MOD_ALIASES = {
    "ctrl": "ctrl", "control": "ctrl", "ctl": "ctrl", "ctrl_l": "ctrl", "ctrl_r": "ctrl",
    "alt": "alt", "option": "alt", "opt": "alt", "alt_l": "alt", "alt_r": "alt",
    "shift": "shift", "shift_l": "shift", "shift_r": "shift",
    "cmd": "cmd", "command": "cmd", "super": "cmd", "win": "cmd", "meta": "cmd", "cmd_l": "cmd",
    "cmd_r": "cmd",
}
_KEY_ALIASES = {"return": "enter", "escape": "esc", "spacebar": "space", " ": "space", "del": "delete",
                "pgup": "page_up", "pgdown": "page_down", "period": ".", "comma": ","}
NAMED_KEYS = {"enter", "esc", "space", "tab", "backspace", "delete", "insert", "home", "end",
              "page_up", "page_down", "up", "down", "left", "right"} | {f"f{i}" for i in range(1, 25)}

MOD_LABEL = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift", "cmd": "Win"}
MOD_ORDER = {m: i for i, m in enumerate(MODIFIERS)}


@dataclass(frozen=True)
class Combo:
    mods: frozenset[str]
    key: str  # "w", "1", "f2", "enter", "space", "." ...

    def __str__(self) -> str:  # canonical text, e.g. "alt+w"
        return "+".join(sorted(self.mods, key=MOD_ORDER.get) + [self.key])

    def label(self) -> str:  # for the UI, e.g. "Alt+W"
        key = self.key.upper() if len(self.key) == 1 else self.key.capitalize()
        return "+".join([MOD_LABEL[m] for m in sorted(self.mods, key=MOD_ORDER.get)] + [key])


def parse_combo(text: str) -> Combo:
    """"Alt+W", "alt + w", "Ctrl+Shift+F2" → Combo. Raises ValueError with a Chinese message."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("快捷键为空")
    parts = [p.strip().lower() for p in raw.replace(" ", "").split("+")]
    if raw.endswith("++"):  # "Ctrl++" means the plus key
        parts = parts[:-2] + ["+"]
    mods: set[str] = set()
    key = None
    for p in parts:
        if not p:
            raise ValueError(f"快捷键写法不对：{text}")
        if p in _MOD_ALIASES:
            mods.add(_MOD_ALIASES[p])
            continue
        if key is not None:
            raise ValueError(f"快捷键只能有一个普通键：{text}")
        p = _KEY_ALIASES.get(p, p)
        if len(p) != 1 and p not in NAMED_KEYS:
            raise ValueError(f"不认识的按键“{p}”")
        key = p
    if key is None:
        raise ValueError(f"快捷键需要一个普通键（不能只按修饰键）：{text}")
    return Combo(frozenset(mods), key)


def normalize(text: str) -> str:
    return str(parse_combo(text))


# Combinations we refuse or warn about (desktop-pitfalls §1.4, §1.5): AltGr, input-method
# switches, and shortcuts every chat client already uses.
_RESERVED = {
    "ctrl+space": "输入法中英文切换",
    "shift+space": "输入法全角/半角切换",
    "ctrl+.": "输入法中英文标点切换",
    "ctrl+,": "部分输入法的标点切换",
    "ctrl+shift+f": "微软拼音简繁切换",
    "ctrl+shift+space": "输入法切换",
    "alt+tab": "切换窗口", "alt+f4": "关闭窗口", "alt+esc": "切换窗口", "alt+space": "窗口菜单",
    "ctrl+c": "复制", "ctrl+v": "粘贴", "ctrl+x": "剪切", "ctrl+z": "撤销", "ctrl+a": "全选",
    "ctrl+s": "保存/发送", "ctrl+enter": "聊天发送键", "alt+s": "聊天发送键（QQ/千牛等）",
    "ctrl+f": "查找", "ctrl+w": "关闭标签页", "ctrl+t": "新标签页", "ctrl+tab": "切换标签页",
}


def problems(combo: Combo) -> list[str]:
    """Why a combination is a bad global hotkey (empty list = fine)."""
    out = []
    s = str(combo)
    if not combo.mods:
        out.append("没有修饰键：会吞掉正常打字")
    elif combo.mods == {"shift"}:
        out.append("只用 Shift：会影响打字和输入法")
    if {"ctrl", "alt"} <= combo.mods:
        out.append("Ctrl+Alt 在 Windows 上等于 AltGr，会和输入特殊字符冲突")
    if combo.mods == {"ctrl", "shift"}:
        out.append("Ctrl+Shift 是输入法切换键，组合键常被输入法吞掉")
    if s in _RESERVED:
        out.append(f"已被占用：{_RESERVED[s]}")
    return out


def check_conflicts(hotkeys: dict[str, str]) -> dict[str, str]:
    """{name: combo text} → {name: problem in Chinese} for every combo that can't be used."""
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, text in hotkeys.items():
        if not (text or "").strip():
            continue  # an empty hotkey means "off"
        try:
            c = parse_combo(text)
        except ValueError as exc:
            out[name] = str(exc)
            continue
        p = problems(c)
        if p:
            out[name] = "；".join(p)
        elif str(c) in seen:
            out[name] = f"和“{seen[str(c)]}”重复"
        else:
            seen[str(c)] = name
    return out


# --- the matcher ------------------------------------------------------------------------------


class Matcher:
    """Feed it key names (see ``key_name``) on press and release; it calls back on exact combos.

    Thread-agnostic and pure: the pynput adapter feeds it from the hook thread, tests feed it
    directly. ``stale_after`` forgets modifiers held longer than that with no other key event
    (a key-up lost to a lock screen or an Alt+Tab into an elevated window).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, stale_after: float = 8.0):
        self._combos: dict[Combo, Callable[[], None]] = {}
        self._mods: dict[str, float] = {}
        self._down: set[str] = set()  # non-modifier keys held
        self._fired: set[str] = set()  # keys whose combo fired and are still held (auto-repeat)
        self._clock = clock
        self._stale = stale_after
        self.paused = False

    def register(self, combo: Combo, callback: Callable[[], None]) -> None:
        self._combos[combo] = callback

    def clear(self) -> None:
        self._combos.clear()

    def reset(self) -> None:
        self._mods.clear()
        self._down.clear()
        self._fired.clear()

    @property
    def combos(self) -> list[Combo]:
        return list(self._combos)

    def press(self, name: str | None) -> Combo | None:
        if name is None:
            return None
        now = self._clock()
        for m, t in list(self._mods.items()):
            if now - t > self._stale:
                del self._mods[m]
        if name in MODIFIERS:
            self._mods[name] = now
            return None
        if name == "altgr":  # never part of a hotkey; treated as an unknown modifier
            self._mods["altgr"] = now
            return None
        repeat = name in self._down
        self._down.add(name)
        if repeat and name in self._fired:
            return None  # auto-repeat of a combo we already fired
        combo = Combo(frozenset(self._mods), name)
        cb = self._combos.get(combo)
        if cb is None or self.paused:
            return None
        self._fired.add(name)
        cb()
        return combo

    def release(self, name: str | None) -> None:
        if name is None:
            return
        self._mods.pop(name, None)
        self._down.discard(name)
        self._fired.discard(name)


def key_name(key, vk_letters: Callable[[int], str | None] | None = None) -> str | None:
    """pynput Key/KeyCode → our key name ("ctrl", "alt", "w", "f2", "enter"...)."""
    name = getattr(key, "name", None)  # pynput.keyboard.Key members
    if name is not None:
        if name == "alt_gr":
            return "altgr"
        base = _MOD_ALIASES.get(name)
        if base:
            return base
        return _KEY_ALIASES.get(name, name)
    vk = getattr(key, "vk", None)
    if vk is not None and vk_letters is not None:
        n = vk_letters(vk)  # layout-independent letters and digits (Cyrillic layout, Ctrl held)
        if n:
            return n
    char = getattr(key, "char", None)
    if char:
        if len(char) == 1 and ord(char) < 32:  # Ctrl+letter on Windows arrives as a control char
            return chr(ord(char) + 96)
        return char.lower()
    return None


def x11_vk_letter(vk: int) -> str | None:
    if 0x61 <= vk <= 0x7A or 0x30 <= vk <= 0x39:
        return chr(vk)
    if 0x41 <= vk <= 0x5A:
        return chr(vk + 32)
    return None


def win_vk_letter(vk: int) -> str | None:
    if 0x41 <= vk <= 0x5A:
        return chr(vk + 32)
    if 0x30 <= vk <= 0x39:
        return chr(vk)
    return None


# --- the pynput adapter -----------------------------------------------------------------------


class PynputHotkeys:
    """Hotkeys port over ``pynput.keyboard.Listener`` + our ``Matcher`` (X11, macOS, fallback on
    Windows). The listener only feeds the matcher: no key is stored or logged."""

    def __init__(self, listener_factory=None, vk_letters=None):
        self._factory = listener_factory
        self._vk_letters = vk_letters
        self.matcher = Matcher()
        self._listener = None
        self._lock = threading.Lock()

    def register(self, combo: str, callback: Callable[[], None]) -> None:
        c = parse_combo(combo)
        with self._lock:
            self.matcher.register(c, callback)

    def unregister_all(self) -> None:
        with self._lock:
            self.matcher.clear()

    def pause(self, paused: bool) -> None:
        self.matcher.paused = paused
        if not paused:
            self.matcher.reset()

    def _on_press(self, key, injected=False):
        try:
            with self._lock:
                self.matcher.press(key_name(key, self._vk_letters))
        except Exception:  # never let an exception kill the hook thread
            log.exception("hotkey press handler")

    def _on_release(self, key, injected=False):
        try:
            with self._lock:
                self.matcher.release(key_name(key, self._vk_letters))
        except Exception:
            log.exception("hotkey release handler")

    def start(self) -> None:
        if self._listener is not None:
            return
        factory = self._factory
        if factory is None:
            from pynput import keyboard

            factory = keyboard.Listener
        self._listener = factory(on_press=self._on_press, on_release=self._on_release)
        self._listener.daemon = True
        self._stopping = False
        inner = getattr(self._listener, "_run", None)
        if inner is not None:  # pynput's xorg backend can raise on its closed display while stopping
            def run(inner=inner):
                try:
                    inner()
                except Exception:
                    if not self._stopping:
                        raise
            self._listener._run = run
        self._listener.start()
        wait = getattr(self._listener, "wait", None)
        if wait:
            wait()  # returns once the hook is installed, so a key pressed right after counts
        log.info("pynput hotkey listener started: %s", ", ".join(str(c) for c in self.matcher.combos))

    def stop(self) -> None:
        if self._listener is not None:
            self._stopping = True
            self._listener.stop()
            join = getattr(self._listener, "join", None)
            if join:
                join(2.0)
            self._listener = None

    def alive(self) -> bool:
        return self._listener is not None and self._listener.is_alive()


class ThreadHotkeys:
    """The life cycle shared by adapters that register with the OS on a thread of their own
    (XGrabKey on X11, RegisterHotKey on Windows): registrations belong to that thread, so a
    change of combos restarts it. Subclasses implement ``_check`` (may this combo be
    registered at all), ``_run`` (register, call ``_ready.set()``, loop until ``_stop`` is set,
    calling ``_fire(id)``, then unregister) and ``_wake`` (make the loop notice ``_stop``).
    Combos another program holds end up in ``failed`` ({combo: reason})."""

    thread_name = "hotkeys"
    wait_s = 3.0

    def __init__(self):
        self._combos: dict[int, tuple[Combo, Callable[[], None]]] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self.failed: dict[str, str] = {}
        self.paused = False

    def _check(self, combo: Combo) -> None:
        """Raise ValueError for a combination this OS cannot register."""

    def _run(self) -> None:
        raise NotImplementedError

    def _wake(self) -> None:
        """Make ``_run`` return soon after ``_stop`` was set."""

    def register(self, combo: str, callback: Callable[[], None]) -> None:
        c = parse_combo(combo)
        self._check(c)
        self._combos[len(self._combos) + 1] = (c, callback)
        if self._thread is not None:  # registrations live on the loop thread: restart it
            self.stop()
            self.start()

    def unregister_all(self) -> None:
        running = self._thread is not None
        self.stop()
        self._combos.clear()
        if running:
            self.start()

    def pause(self, paused: bool) -> None:
        self.paused = paused

    def _fire(self, hotkey_id: int) -> None:
        entry = self._combos.get(hotkey_id)
        if entry is None or self.paused:
            return
        try:
            entry[1]()
        except Exception:
            log.exception("hotkey callback")

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        self._ready.wait(self.wait_s)
        log.info("%s active: %s%s", self.thread_name, ", ".join(str(c) for c, _ in self._combos.values()),
                 f" (failed: {self.failed})" if self.failed else "")

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._wake()
        self._thread.join(self.wait_s)
        self._thread = None

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
