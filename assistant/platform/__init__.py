"""OS capabilities behind ports (ports.py), one adapter set per OS, and the selector that picks
and logs them. Importing this package loads no OS library: adapters are imported when selected.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Callable

from assistant.platform.ports import (  # noqa: F401  (re-exported)
    ActiveWindow, Adapters, Clipboard, ClipSnapshot, Hotkeys, PlatformError, ScreenText, TextInjector,
    WindowInfo,
)

log = logging.getLogger(__name__)


class NullScreenText:
    """No way to read the screen here (no desktop, or the OCR extra is not installed)."""

    reason = "未安装文字识别（OCR）组件：请复制顾客消息或用取词快捷键"

    def __init__(self, reason: str | None = None):
        if reason:
            self.reason = reason

    def available(self) -> tuple[bool, str]:
        return False, self.reason

    def read(self, win: WindowInfo | None = None, area=None) -> str:
        raise PlatformError(self.reason)

    def frame(self, win: WindowInfo, area=None):
        return None

    def bubbles(self, frame, customer_side: str = "left") -> list:
        return []


class NullActiveWindow:
    def current(self) -> WindowInfo | None:
        return None

    def activate(self, win: WindowInfo) -> bool:
        return False

    def keep_on_top(self, handle: int) -> bool:
        return False

    def shows(self, win: WindowInfo, x: int, y: int) -> bool | None:
        return None


class NullInjector:
    def __init__(self, reason: str):
        self.reason = reason

    def paste(self) -> None:
        raise PlatformError(self.reason)

    copy = paste

    def press(self, keys: str) -> None:
        raise PlatformError(self.reason)

    def modifiers_down(self) -> set[str]:
        return set()


class NullHotkeys:
    def __init__(self, reason: str):
        self.reason = reason

    def register(self, combo: str, callback: Callable[[], None]) -> None:
        from assistant.platform.hotkeys import parse_combo

        parse_combo(combo)

    def unregister_all(self) -> None:
        pass

    def start(self) -> None:
        log.warning("global hotkeys unavailable: %s", self.reason)

    def stop(self) -> None:
        pass

    def pause(self, paused: bool) -> None:
        pass

    def alive(self) -> bool:
        return False


class MemoryClipboard:
    """Process-local clipboard for machines without a desktop (CLI on a server)."""

    def __init__(self):
        self._text: str | None = None
        self._seq = 0

    def text(self) -> str | None:
        return self._text

    def set_text(self, text: str) -> bool:
        self._text = text
        self._seq += 1
        return True

    def sequence(self) -> int:
        return self._seq

    def snapshot(self) -> ClipSnapshot:
        return ClipSnapshot(text=self._text)

    def restore(self, snap: ClipSnapshot) -> bool:
        self._text = snap.text
        self._seq += 1
        return True

    def watch(self, callback) -> None:
        pass

    def is_own_change(self) -> bool:
        return False  # cannot tell (Clipboard port)

    def concealed(self) -> bool:
        return False  # clipboard formats not read here (Clipboard port)


def _null(reason: str, name: str = "none") -> Adapters:
    return Adapters(name=name, clipboard=MemoryClipboard(), hotkeys=NullHotkeys(reason),
                    active_window=NullActiveWindow(), injector=NullInjector(reason),
                    screen_text=NullScreenText(), notes=[reason])


def _x11() -> Adapters:
    from assistant.platform import x11
    from assistant.platform.hotkeys import PynputHotkeys, x11_vk_letter

    d = x11.open_display()
    notes = []
    aw = x11.X11ActiveWindow(d)
    if not aw.has_ewmh():
        notes.append("窗口管理器不支持 EWMH：用输入焦点判断当前窗口")
    try:
        clip = x11.XClipClipboard(x11.open_display())
    except Exception as exc:  # no xclip: the UI uses QClipboard anyway
        notes.append(f"xclip 不可用（{exc}）")
        clip = MemoryClipboard()
    if os.environ.get("KEFU_HOTKEYS", "") == "pynput":
        hot = PynputHotkeys(vk_letters=x11_vk_letter)
    else:  # a grab takes the key from the focused app; a pynput listener only watches
        hot = x11.X11GrabHotkeys()
    return Adapters(name="x11", clipboard=clip, hotkeys=hot,
                    active_window=aw, injector=x11.X11TextInjector(d), screen_text=NullScreenText(),
                    notes=notes, poll_ms=250)


def _windows() -> Adapters:
    from assistant.platform import windows as w
    from assistant.platform.hotkeys import PynputHotkeys, win_vk_letter

    api = w.CtypesWin32()
    hot = w.WinHotkeys(api) if os.environ.get("KEFU_HOTKEYS", "") != "pynput" else PynputHotkeys(vk_letters=win_vk_letter)
    from assistant.platform.uia import com_screen_text

    uia = com_screen_text()  # the sidebar adds OCR behind it for clients that expose nothing
    return Adapters(name="windows", clipboard=w.WinClipboard(api), hotkeys=hot,
                    active_window=w.WinActiveWindow(api), injector=w.WinTextInjector(api),
                    screen_text=uia or NullScreenText(), poll_ms=250)


def _macos() -> Adapters:
    from assistant.platform import macos as m
    from assistant.platform.hotkeys import PynputHotkeys

    appkit = quartz = None
    try:  # optional: pyobjc makes the frontmost-app query cheap
        import AppKit as appkit  # type: ignore
        import Quartz as quartz  # type: ignore
    except Exception:
        pass
    return Adapters(name="macos", clipboard=m.MacClipboard(appkit=appkit), hotkeys=PynputHotkeys(),
                    active_window=m.MacActiveWindow(appkit=appkit), injector=m.MacTextInjector(quartz=quartz),
                    screen_text=NullScreenText(), poll_ms=300 if appkit else 1000,
                    notes=[] if appkit else ["未安装 pyobjc：用 AppleScript 查询前台程序（较慢）"])


def select(system: str | None = None, environ: dict | None = None) -> Adapters:
    """Pick the adapters for this machine and log the choice (and why, when limited)."""
    system = system or sys.platform
    env = os.environ if environ is None else environ
    try:
        if system.startswith("win"):
            chosen = _windows()
        elif system == "darwin":
            chosen = _macos()
        elif env.get("DISPLAY"):
            chosen = _x11()
        elif env.get("WAYLAND_DISPLAY"):
            chosen = _null("Wayland 下无法读取其他程序的窗口或模拟按键：请用 X11 会话（或复制消息后手动粘贴）",
                           "wayland")
        else:
            chosen = _null("没有图形桌面（DISPLAY 未设置）")
    except Exception as exc:
        log.exception("platform adapters failed to load")
        chosen = _null(f"系统接口加载失败：{exc}")
    log.info("platform adapters: %s (clipboard=%s hotkeys=%s window=%s injector=%s)%s", chosen.name,
             type(chosen.clipboard).__name__, type(chosen.hotkeys).__name__,
             type(chosen.active_window).__name__, type(chosen.injector).__name__,
             (" notes: " + "; ".join(chosen.notes)) if chosen.notes else "")
    return chosen
