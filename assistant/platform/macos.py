"""macOS adapters, where feasible without extra packages: AppleScript (osascript) for the
frontmost app and keystrokes, pbcopy/pbpaste for text. AppKit (pyobjc) is used when installed,
for a cheap frontmost-app query and the pasteboard change count.

Needs the Accessibility permission for keystrokes and Input Monitoring for hotkeys
(desktop-pitfalls §1.10); start the pynput listener before QApplication (§1.11).
Not run on a Mac yet: see docs/platform-notes.md.
"""
from __future__ import annotations

import logging
import subprocess
from typing import Callable

from assistant.platform.hotkeys import parse_combo
from assistant.platform.ports import ClipSnapshot, WatchedClipboard, WindowInfo

log = logging.getLogger(__name__)

Runner = Callable[[list[str], bytes | None], tuple[int, bytes]]


def run(args: list[str], data: bytes | None = None) -> tuple[int, bytes]:
    try:
        r = subprocess.run(args, input=data, capture_output=True, timeout=3)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("%s failed: %s", args[0], exc)
        return 1, b""
    return r.returncode, r.stdout


_FRONT = ('tell application "System Events" to set p to first application process whose frontmost is true\n'
          'tell application "System Events" to set t to ""\n'
          'try\n tell application "System Events" to set t to name of front window of p\nend try\n'
          'tell application "System Events" to return (unix id of p as text) & "\\n" & (name of p) & "\\n" & t')
_KEYCODES = {"enter": 36, "esc": 53, "space": 49, "tab": 48}
_MODS = {"cmd": "command down", "ctrl": "control down", "alt": "option down", "shift": "shift down"}


class MacActiveWindow:
    def __init__(self, runner: Runner = run, appkit=None):
        self.run = runner
        self.appkit = appkit

    def current(self) -> WindowInfo | None:
        if self.appkit is not None:
            app = self.appkit.NSWorkspace.sharedWorkspace().frontmostApplication()
            if app is None:
                return None
            pid = int(app.processIdentifier())
            return WindowInfo(pid, str(app.localizedName() or ""), str(app.localizedName() or "").lower(), pid)
        code, out = self.run(["osascript", "-e", _FRONT], None)
        if code != 0 or not out:
            return None
        parts = out.decode("utf-8", "replace").rstrip("\n").split("\n", 2)
        if len(parts) < 2 or not parts[0].strip().isdigit():
            return None
        pid = int(parts[0])
        title = parts[2] if len(parts) > 2 else ""
        # macOS activates applications, not windows: the handle is the pid
        return WindowInfo(pid, title or parts[1], parts[1].lower(), pid)

    def activate(self, win: WindowInfo) -> bool:
        script = (f'tell application "System Events" to set frontmost of (first application process '
                  f'whose unix id is {int(win.pid)}) to true')
        return self.run(["osascript", "-e", script], None)[0] == 0

    def keep_on_top(self, handle: int) -> bool:
        """Qt's Tool window level (NSFloatingWindowLevel) is not lost on macOS: nothing to do."""
        return False

    def shows(self, win: WindowInfo, x: int, y: int) -> bool | None:
        """Not asked on macOS (CGWindowListCopyWindowInfo could tell; unbuilt): unknown."""
        return None


class MacTextInjector:
    def __init__(self, runner: Runner = run, quartz=None):
        self.run = runner
        self.quartz = quartz

    def _keystroke(self, combo: str) -> None:
        c = parse_combo(combo)
        using = ", ".join(_MODS[m] for m in sorted(c.mods))
        key = f"key code {_KEYCODES[c.key]}" if c.key in _KEYCODES else f'keystroke "{c.key}"'
        script = f'tell application "System Events" to {key}' + (f" using {{{using}}}" if using else "")
        code, _ = self.run(["osascript", "-e", script], None)
        if code != 0:
            from assistant.platform.ports import PlatformError

            raise PlatformError("没有“辅助功能”权限：请在 系统设置 › 隐私与安全性 › 辅助功能 里允许客服助手")

    def paste(self) -> None:
        self._keystroke("cmd+v")

    def copy(self) -> None:
        self._keystroke("cmd+c")

    def press(self, keys: str) -> None:
        self._keystroke(keys.replace("ctrl+enter", "cmd+enter"))

    def modifiers_down(self) -> set[str]:
        if self.quartz is None:
            return set()  # unknown without Quartz: the paste job then does not wait
        flags = int(self.quartz.CGEventSourceFlagsState(self.quartz.kCGEventSourceStateCombinedSessionState))
        out = set()
        for name, bit in (("shift", 1 << 17), ("ctrl", 1 << 18), ("alt", 1 << 19), ("cmd", 1 << 20)):
            if flags & bit:
                out.add(name)
        return out


class MacClipboard(WatchedClipboard):
    def __init__(self, runner: Runner = run, appkit=None):
        super().__init__()
        self.run = runner
        self.appkit = appkit
        self._seq = 0
        self._last: str | None = None

    def text(self) -> str | None:
        code, out = self.run(["pbpaste", "-Prefer", "txt"], None)
        return out.decode("utf-8", "replace") if code == 0 and out else None

    def set_text(self, text: str) -> bool:
        ok = self.run(["pbcopy"], text.encode("utf-8"))[0] == 0
        self._seq += 1
        self._last = text
        return ok

    def sequence(self) -> int:
        if self.appkit is not None:
            return int(self.appkit.NSPasteboard.generalPasteboard().changeCount())
        t = self.text()
        if t != self._last:
            self._last = t
            self._seq += 1
            self._changed()
        return self._seq

    def snapshot(self) -> ClipSnapshot:
        return ClipSnapshot(text=self.text())

    def restore(self, snap: ClipSnapshot) -> bool:
        return self.set_text(snap.text or "")
