"""Windows adapters over Win32 (ctypes), written against a thin ``Win32`` layer so they can be
unit-tested on Linux with a fake layer (tests/test_platform_windows.py). Only ``CtypesWin32``
touches ctypes.windll; it is created lazily, on Windows only.

What could not be run here (no Windows machine): see docs/platform-notes.md.

Size (~520 lines): one adapter per port over the same thin Win32 layer; apart, each file would
repeat the ctypes declarations.
"""
from __future__ import annotations

import ctypes
import logging
import os
import time
from typing import Protocol

from assistant.platform.hotkeys import Combo, ThreadHotkeys, parse_combo
from assistant.platform.ports import ClipSnapshot, PlatformError, WatchedClipboard, WindowInfo

log = logging.getLogger(__name__)

# virtual-key codes
VK = {"shift": 0x10, "ctrl": 0x11, "alt": 0x12, "cmd": 0x5B, "enter": 0x0D, "esc": 0x1B, "space": 0x20,
      "tab": 0x09, "backspace": 0x08, "delete": 0x2E, "insert": 0x2D, "home": 0x24, "end": 0x23,
      "page_up": 0x21, "page_down": 0x22, "left": 0x25, "up": 0x26, "right": 0x27, "down": 0x28,
      ".": 0xBE, ",": 0xBC, "-": 0xBD, "=": 0xBB, ";": 0xBA, "/": 0xBF, "`": 0xC0, "[": 0xDB,
      "\\": 0xDC, "]": 0xDD, "'": 0xDE}
VK_LWIN, VK_RWIN = 0x5B, 0x5C
MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x8, 0x4000
WM_HOTKEY, WM_QUIT = 0x0312, 0x0012
SW_RESTORE = 9
HWND_TOP = 0
HWND_TOPMOST = -1
GA_ROOT = 2  # GetAncestor: the root window, walking the parent chain
SWP_NOSIZE, SWP_NOMOVE, SWP_NOACTIVATE, SWP_SHOWWINDOW = 0x1, 0x2, 0x10, 0x40
CF_UNICODETEXT = 13
SECURITY_MANDATORY_HIGH_RID = 0x3000


def vk_of(key: str) -> int:
    if key in VK:
        return VK[key]
    if len(key) == 1 and ("a" <= key <= "z" or "0" <= key <= "9"):
        return ord(key.upper())
    if key.startswith("f") and key[1:].isdigit() and 1 <= int(key[1:]) <= 24:
        return 0x70 + int(key[1:]) - 1
    raise ValueError(f"不支持的按键：{key}")


def hotkey_args(combo: Combo) -> tuple[int, int]:
    """Combo → (fsModifiers, vk) for RegisterHotKey. Windows matches the modifier set exactly."""
    mods = MOD_NOREPEAT
    for m, bit in (("alt", MOD_ALT), ("ctrl", MOD_CONTROL), ("shift", MOD_SHIFT), ("cmd", MOD_WIN)):
        if m in combo.mods:
            mods |= bit
    return mods, vk_of(combo.key)


class Win32(Protocol):
    """The Win32 calls the adapters need, with Python types in and out."""

    def GetForegroundWindow(self) -> int: ...
    def GetWindowText(self, hwnd: int) -> str: ...
    def GetWindowThreadProcessId(self, hwnd: int) -> tuple[int, int]: ...  # (thread id, pid)
    def QueryFullProcessImageName(self, pid: int) -> str: ...
    def GetWindowRect(self, hwnd: int) -> tuple[int, int, int, int] | None: ...
    def IsIconic(self, hwnd: int) -> bool: ...
    def ShowWindow(self, hwnd: int, cmd: int) -> bool: ...
    def GetCurrentThreadId(self) -> int: ...
    def AttachThreadInput(self, tid_from: int, tid_to: int, attach: bool) -> bool: ...
    def SetForegroundWindow(self, hwnd: int) -> bool: ...
    def BringWindowToTop(self, hwnd: int) -> bool: ...
    def SetWindowPos(self, hwnd: int, after: int, flags: int) -> bool: ...
    def SendInput(self, keys: list[tuple[int, bool]]) -> int: ...  # [(vk, key_up)] → events sent
    def GetAsyncKeyState(self, vk: int) -> int: ...
    def GetClipboardSequenceNumber(self) -> int: ...
    def GetClipboardText(self) -> str | None: ...
    def SetClipboardText(self, text: str | None) -> bool: ...
    def RegisterHotKey(self, hwnd: int, hotkey_id: int, mods: int, vk: int) -> bool: ...
    def UnregisterHotKey(self, hwnd: int, hotkey_id: int) -> bool: ...
    def GetMessage(self) -> tuple[int, int]: ...  # (message, wParam); message 0 = WM_QUIT
    def PostThreadMessage(self, tid: int, msg: int) -> bool: ...
    def ProcessIntegrity(self, pid: int) -> int | None: ...  # mandatory-label RID, None unknown
    def WindowFromPoint(self, x: int, y: int) -> int: ...  # the (child) window shown at x, y; 0 none
    def GetAncestor(self, hwnd: int, flags: int) -> int: ...


# --- the real layer ---------------------------------------------------------------------------

def _input_structs():
    # fixed-width types (not wintypes) so the layout is Windows' on any OS: DWORD is 32-bit there
    WORD, DWORD, LONG = ctypes.c_uint16, ctypes.c_uint32, ctypes.c_int32
    ULONG_PTR = ctypes.c_size_t

    class KEYBDINPUT(ctypes.Structure):
        _fields_ = [("wVk", WORD), ("wScan", WORD), ("dwFlags", DWORD), ("time", DWORD),
                    ("dwExtraInfo", ULONG_PTR)]

    class MOUSEINPUT(ctypes.Structure):
        _fields_ = [("dx", LONG), ("dy", LONG), ("mouseData", DWORD), ("dwFlags", DWORD),
                    ("time", DWORD), ("dwExtraInfo", ULONG_PTR)]

    class HARDWAREINPUT(ctypes.Structure):
        _fields_ = [("uMsg", DWORD), ("wParamL", WORD), ("wParamH", WORD)]

    class _U(ctypes.Union):
        _fields_ = [("ki", KEYBDINPUT), ("mi", MOUSEINPUT), ("hi", HARDWAREINPUT)]

    class INPUT(ctypes.Structure):
        _anonymous_ = ("u",)
        _fields_ = [("type", DWORD), ("u", _U)]

    return INPUT, KEYBDINPUT


INPUT_KEYBOARD = 1
KEYEVENTF_KEYUP = 0x2
KEYEVENTF_EXTENDEDKEY = 0x1
_EXTENDED = {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x2D, 0x2E, 0x5B, 0x5C}


def build_inputs(keys: list[tuple[int, bool]]):
    """[(vk, key_up)] → a ctypes INPUT array for SendInput (kept separate to test on Linux)."""
    INPUT, _ = _input_structs()
    arr = (INPUT * len(keys))()
    for i, (vk, up) in enumerate(keys):
        arr[i].type = INPUT_KEYBOARD
        arr[i].ki.wVk = vk
        flags = KEYEVENTF_KEYUP if up else 0
        if vk in _EXTENDED:
            flags |= KEYEVENTF_EXTENDEDKEY
        arr[i].ki.dwFlags = flags
    return arr


class CtypesWin32:
    """``Win32`` over user32/kernel32/advapi32. Pass fake DLL objects to test the plumbing."""

    PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
    TOKEN_QUERY = 0x8
    TokenIntegrityLevel = 25

    def __init__(self, user32=None, kernel32=None, advapi32=None):
        real = user32 is None
        if real:
            from ctypes import wintypes as w

            user32 = ctypes.WinDLL("user32", use_last_error=True)
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
            vp = ctypes.c_void_p
            user32.GetForegroundWindow.restype = w.HWND
            user32.GetWindowTextLengthW.argtypes = [w.HWND]
            user32.GetWindowTextW.argtypes = [w.HWND, w.LPWSTR, ctypes.c_int]
            user32.GetWindowThreadProcessId.argtypes = [w.HWND, ctypes.POINTER(w.DWORD)]
            user32.GetWindowThreadProcessId.restype = w.DWORD
            user32.GetWindowRect.argtypes = [w.HWND, ctypes.POINTER(w.RECT)]
            user32.IsIconic.argtypes = [w.HWND]
            user32.ShowWindow.argtypes = [w.HWND, ctypes.c_int]
            user32.AttachThreadInput.argtypes = [w.DWORD, w.DWORD, w.BOOL]
            user32.SetForegroundWindow.argtypes = [w.HWND]
            user32.BringWindowToTop.argtypes = [w.HWND]
            user32.SetWindowPos.argtypes = [w.HWND, w.HWND, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                            ctypes.c_int, w.UINT]
            user32.SendInput.argtypes = [w.UINT, vp, ctypes.c_int]
            user32.SendInput.restype = w.UINT
            user32.GetAsyncKeyState.argtypes = [ctypes.c_int]
            user32.GetAsyncKeyState.restype = ctypes.c_short
            user32.GetClipboardSequenceNumber.restype = w.DWORD
            user32.OpenClipboard.argtypes = [w.HWND]
            user32.GetClipboardData.argtypes = [w.UINT]
            user32.GetClipboardData.restype = vp
            user32.SetClipboardData.argtypes = [w.UINT, vp]
            user32.SetClipboardData.restype = vp
            user32.RegisterHotKey.argtypes = [w.HWND, ctypes.c_int, w.UINT, w.UINT]
            user32.UnregisterHotKey.argtypes = [w.HWND, ctypes.c_int]
            user32.GetMessageW.argtypes = [ctypes.POINTER(w.MSG), w.HWND, w.UINT, w.UINT]
            user32.PostThreadMessageW.argtypes = [w.DWORD, w.UINT, w.WPARAM, w.LPARAM]
            user32.WindowFromPoint.argtypes = [w.POINT]
            user32.WindowFromPoint.restype = w.HWND
            user32.GetAncestor.argtypes = [w.HWND, w.UINT]
            user32.GetAncestor.restype = w.HWND
            kernel32.OpenProcess.argtypes = [w.DWORD, w.BOOL, w.DWORD]
            kernel32.OpenProcess.restype = w.HANDLE
            kernel32.QueryFullProcessImageNameW.argtypes = [w.HANDLE, w.DWORD, w.LPWSTR, ctypes.POINTER(w.DWORD)]
            kernel32.CloseHandle.argtypes = [w.HANDLE]
            kernel32.GlobalAlloc.argtypes = [w.UINT, ctypes.c_size_t]
            kernel32.GlobalAlloc.restype = vp
            kernel32.GlobalLock.argtypes = [vp]
            kernel32.GlobalLock.restype = vp
            kernel32.GlobalUnlock.argtypes = [vp]
            kernel32.GlobalFree.argtypes = [vp]
            advapi32.OpenProcessToken.argtypes = [w.HANDLE, w.DWORD, ctypes.POINTER(w.HANDLE)]
            advapi32.GetTokenInformation.argtypes = [w.HANDLE, ctypes.c_int, vp, w.DWORD, ctypes.POINTER(w.DWORD)]
            advapi32.GetSidSubAuthorityCount.argtypes = [vp]
            advapi32.GetSidSubAuthorityCount.restype = ctypes.POINTER(ctypes.c_ubyte)
            advapi32.GetSidSubAuthority.argtypes = [vp, w.DWORD]
            advapi32.GetSidSubAuthority.restype = ctypes.POINTER(w.DWORD)
        self.u, self.k, self.a = user32, kernel32, advapi32

    def GetForegroundWindow(self) -> int:
        return int(self.u.GetForegroundWindow() or 0)

    def WindowFromPoint(self, x: int, y: int) -> int:
        from ctypes import wintypes as w

        return int(self.u.WindowFromPoint(w.POINT(x, y)) or 0)

    def GetAncestor(self, hwnd: int, flags: int) -> int:
        return int(self.u.GetAncestor(hwnd, flags) or 0)

    def GetWindowText(self, hwnd: int) -> str:
        n = self.u.GetWindowTextLengthW(hwnd)
        if n <= 0:
            return ""
        buf = ctypes.create_unicode_buffer(n + 1)
        self.u.GetWindowTextW(hwnd, buf, n + 1)
        return buf.value

    def GetClassName(self, hwnd: int) -> str:
        buf = ctypes.create_unicode_buffer(256)
        n = self.u.GetClassNameW(hwnd, buf, 256)
        return buf.value if n > 0 else ""

    def GetWindowThreadProcessId(self, hwnd: int) -> tuple[int, int]:
        from ctypes import wintypes as w

        pid = w.DWORD(0)
        tid = self.u.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        return int(tid), int(pid.value)

    def QueryFullProcessImageName(self, pid: int) -> str:
        from ctypes import wintypes as w

        if not pid:
            return ""
        h = self.k.OpenProcess(self.PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not h:
            return ""
        try:
            size = w.DWORD(1024)
            buf = ctypes.create_unicode_buffer(size.value)
            if self.k.QueryFullProcessImageNameW(h, 0, buf, ctypes.byref(size)):
                return buf.value
            return ""
        finally:
            self.k.CloseHandle(h)

    def GetWindowRect(self, hwnd: int):
        from ctypes import wintypes as w

        r = w.RECT()
        if not self.u.GetWindowRect(hwnd, ctypes.byref(r)):
            return None
        return (r.left, r.top, r.right, r.bottom)

    def IsIconic(self, hwnd: int) -> bool:
        return bool(self.u.IsIconic(hwnd))

    def ShowWindow(self, hwnd: int, cmd: int) -> bool:
        return bool(self.u.ShowWindow(hwnd, cmd))

    def GetCurrentThreadId(self) -> int:
        return int(self.k.GetCurrentThreadId())

    def AttachThreadInput(self, a: int, b: int, attach: bool) -> bool:
        return bool(self.u.AttachThreadInput(a, b, attach))

    def SetForegroundWindow(self, hwnd: int) -> bool:
        return bool(self.u.SetForegroundWindow(hwnd))

    def BringWindowToTop(self, hwnd: int) -> bool:
        return bool(self.u.BringWindowToTop(hwnd))

    def SetWindowPos(self, hwnd: int, after: int, flags: int) -> bool:
        return bool(self.u.SetWindowPos(hwnd, after, 0, 0, 0, 0, flags))

    def SendInput(self, keys: list[tuple[int, bool]]) -> int:
        INPUT, _ = _input_structs()
        arr = build_inputs(keys)
        return int(self.u.SendInput(len(keys), ctypes.cast(arr, ctypes.c_void_p), ctypes.sizeof(INPUT)))

    def GetAsyncKeyState(self, vk: int) -> int:
        return int(self.u.GetAsyncKeyState(vk))

    def GetClipboardSequenceNumber(self) -> int:
        return int(self.u.GetClipboardSequenceNumber())

    def _open_clipboard(self) -> bool:
        for delay in (0, 0.01, 0.03, 0.06):  # bounded: another program may hold it briefly
            if delay:
                time.sleep(delay)
            if self.u.OpenClipboard(None):
                return True
        return False

    def GetClipboardText(self) -> str | None:
        if not self._open_clipboard():
            raise PlatformError("剪贴板被其他程序占用")
        try:
            h = self.u.GetClipboardData(CF_UNICODETEXT)
            if not h:
                return None
            p = self.k.GlobalLock(h)
            if not p:
                return None
            try:
                return ctypes.wstring_at(p)
            finally:
                self.k.GlobalUnlock(h)
        finally:
            self.u.CloseClipboard()

    def SetClipboardText(self, text: str | None) -> bool:
        if not self._open_clipboard():
            return False
        try:
            self.u.EmptyClipboard()
            if text is None:
                return True
            data = ctypes.create_unicode_buffer(text)
            size = ctypes.sizeof(data)
            h = self.k.GlobalAlloc(0x0002, size)  # GMEM_MOVEABLE
            if not h:
                return False
            p = self.k.GlobalLock(h)
            ctypes.memmove(p, data, size)
            self.k.GlobalUnlock(h)
            if not self.u.SetClipboardData(CF_UNICODETEXT, h):
                self.k.GlobalFree(h)
                return False
            return True  # the system owns h now
        finally:
            self.u.CloseClipboard()

    def RegisterHotKey(self, hwnd: int, hotkey_id: int, mods: int, vk: int) -> bool:
        return bool(self.u.RegisterHotKey(hwnd or None, hotkey_id, mods, vk))

    def UnregisterHotKey(self, hwnd: int, hotkey_id: int) -> bool:
        return bool(self.u.UnregisterHotKey(hwnd or None, hotkey_id))

    def GetMessage(self) -> tuple[int, int]:
        from ctypes import wintypes as w

        msg = w.MSG()
        r = self.u.GetMessageW(ctypes.byref(msg), None, 0, 0)
        if r in (0, -1):
            return 0, 0
        return int(msg.message), int(msg.wParam)

    def PostThreadMessage(self, tid: int, msg: int) -> bool:
        return bool(self.u.PostThreadMessageW(tid, msg, 0, 0))

    def ProcessIntegrity(self, pid: int) -> int | None:
        from ctypes import wintypes as w

        h = self.k.OpenProcess(self.PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not h:
            return None
        tok = w.HANDLE()
        try:
            if not self.a.OpenProcessToken(h, self.TOKEN_QUERY, ctypes.byref(tok)):
                return None
            try:
                need = w.DWORD(0)
                self.a.GetTokenInformation(tok, self.TokenIntegrityLevel, None, 0, ctypes.byref(need))
                buf = ctypes.create_string_buffer(need.value)
                if not self.a.GetTokenInformation(tok, self.TokenIntegrityLevel, buf, need, ctypes.byref(need)):
                    return None
                sid = ctypes.cast(buf, ctypes.POINTER(ctypes.c_void_p))[0]  # TOKEN_MANDATORY_LABEL.Label.Sid
                count = self.a.GetSidSubAuthorityCount(sid)[0]
                return int(self.a.GetSidSubAuthority(sid, count - 1)[0])
            finally:
                self.k.CloseHandle(tok)
        finally:
            self.k.CloseHandle(h)


# --- adapters ---------------------------------------------------------------------------------


class WinActiveWindow:
    def __init__(self, api: Win32):
        self.api = api

    def info(self, hwnd: int) -> WindowInfo | None:
        if not hwnd:
            return None  # lock screen / UAC desktop: GetForegroundWindow returns NULL
        api = self.api
        _, pid = api.GetWindowThreadProcessId(hwnd)
        exe = api.QueryFullProcessImageName(pid)
        r = api.GetWindowRect(hwnd)
        rect = (r[0], r[1], r[2] - r[0], r[3] - r[1]) if r else None
        name = exe.replace("\\", "/").rsplit("/", 1)[-1].lower()
        get_class = getattr(api, "GetClassName", None)
        cls = get_class(hwnd) if get_class is not None else ""
        return WindowInfo(hwnd, api.GetWindowText(hwnd), name, pid, rect, wm_class=cls or "")

    def current(self) -> WindowInfo | None:
        return self.info(self.api.GetForegroundWindow())

    def activate(self, win: WindowInfo) -> bool:
        """The AttachThreadInput dance (desktop-pitfalls §4.3, as CopyQ does it): join our input
        queue to the foreground thread's, SetForegroundWindow, raise, detach, then re-check.
        No synthetic Alt press (it releases a held Alt and opens menu bars)."""
        api = self.api
        hwnd = win.handle
        fg = api.GetForegroundWindow()
        if fg == hwnd:
            return True
        if api.IsIconic(hwnd):
            api.ShowWindow(hwnd, SW_RESTORE)
        me = api.GetCurrentThreadId()
        fg_tid = api.GetWindowThreadProcessId(fg)[0] if fg else 0
        attached = bool(fg_tid and fg_tid != me and api.AttachThreadInput(me, fg_tid, True))
        try:
            api.SetForegroundWindow(hwnd)
            api.BringWindowToTop(hwnd)
            api.SetWindowPos(hwnd, HWND_TOP, SWP_NOMOVE | SWP_NOSIZE | SWP_SHOWWINDOW)
        finally:
            if attached:
                api.AttachThreadInput(me, fg_tid, False)
        return api.GetForegroundWindow() == hwnd

    def keep_on_top(self, handle: int) -> bool:
        """SetWindowPos(HWND_TOPMOST) moves the window to the top of the topmost band (setting
        WS_EX_TOPMOST with SetWindowLong would not); NOACTIVATE keeps the chat's focus."""
        return self.api.SetWindowPos(handle, HWND_TOPMOST, SWP_NOMOVE | SWP_NOSIZE | SWP_NOACTIVATE)

    def shows(self, win: WindowInfo, x: int, y: int) -> bool | None:
        """WindowFromPoint gives the (child) window the screen shows at (x, y); its top-level
        window (GetAncestor GA_ROOT) must be ``win``, or another window of the same process (a
        client that draws its conversation in a window of its own). Hidden windows are skipped
        by the OS."""
        hit = self.api.WindowFromPoint(x, y)
        if not hit:
            return None
        top = self.api.GetAncestor(hit, GA_ROOT) or hit
        return top == win.handle or bool(win.pid and self.api.GetWindowThreadProcessId(top)[1] == win.pid)


class WinTextInjector:
    def __init__(self, api: Win32):
        self.api = api

    def _send(self, combo: str) -> None:
        c = parse_combo(combo)
        mods = [VK[m] for m in ("ctrl", "alt", "shift", "cmd") if m in c.mods]
        key = vk_of(c.key)
        seq = [(m, False) for m in mods] + [(key, False), (key, True)] + [(m, True) for m in reversed(mods)]
        # one SendInput call: the events are not interleaved with the user's own typing
        sent = self.api.SendInput(seq)
        if sent != len(seq):
            # UIPI blocks injection into elevated windows without saying so (desktop-pitfalls §3.4)
            raise PlatformError("按键被系统拦截：聊天程序可能以管理员身份运行，请以管理员身份运行客服助手")

    def paste(self) -> None:
        self._send("ctrl+v")

    def copy(self) -> None:
        self._send("ctrl+c")

    def press(self, keys: str) -> None:
        self._send(keys)

    def modifiers_down(self) -> set[str]:
        out = set()
        for name, vks in (("shift", (0x10,)), ("ctrl", (0x11,)), ("alt", (0x12,)), ("cmd", (VK_LWIN, VK_RWIN))):
            if any(self.api.GetAsyncKeyState(vk) & 0x8000 for vk in vks):
                out.add(name)
        return out

    def check_target(self, win: WindowInfo) -> str | None:
        """Why a paste into ``win`` would silently fail (target more privileged than us)."""
        theirs = self.api.ProcessIntegrity(win.pid)
        ours = self.api.ProcessIntegrity(os.getpid())
        if theirs is not None and ours is not None and theirs > ours and theirs >= SECURITY_MANDATORY_HIGH_RID:
            return "聊天程序以管理员身份运行，客服助手无法粘贴进去：请以管理员身份运行客服助手"
        return None


class WinClipboard(WatchedClipboard):
    """Text clipboard over Win32, with the real sequence number. The Qt adapter in ui/ uses
    ``sequence`` from here on Windows (QClipboard's own change signal misses some changes)."""

    def __init__(self, api: Win32):
        super().__init__()
        self.api = api
        self._last = api.GetClipboardSequenceNumber()

    def text(self) -> str | None:
        return self.api.GetClipboardText()

    def set_text(self, text: str) -> bool:
        return self.api.SetClipboardText(text)

    def sequence(self) -> int:
        n = self.api.GetClipboardSequenceNumber()
        if n != self._last:
            self._last = n
            self._changed()
        return n

    def snapshot(self) -> ClipSnapshot:
        return ClipSnapshot(text=self.text())

    def restore(self, snap: ClipSnapshot) -> bool:
        return self.api.SetClipboardText(snap.text)


class WinHotkeys(ThreadHotkeys):
    """RegisterHotKey on a thread with its own message loop. Windows itself matches the modifier
    set exactly, WM_HOTKEY gives our process the right to take the foreground (desktop-pitfalls
    §1.7), and a combo another program holds fails to register — reported, not ignored."""

    thread_name = "win-hotkeys"
    wait_s = 2.0

    def __init__(self, api: Win32):
        super().__init__()
        self.api = api
        self._tid = 0

    def _check(self, combo: Combo) -> None:
        hotkey_args(combo)  # raises ValueError for keys Windows cannot register

    def _wake(self) -> None:
        self.api.PostThreadMessage(self._tid, WM_QUIT)

    def _run(self) -> None:
        api = self.api
        self._tid = api.GetCurrentThreadId()
        self.failed = {}
        for hid, (c, _) in self._combos.items():
            mods, vk = hotkey_args(c)
            if not api.RegisterHotKey(0, hid, mods, vk):
                self.failed[str(c)] = "已被其他程序占用"
                log.warning("RegisterHotKey failed for %s (taken by another program?)", c)
        self._ready.set()
        try:
            while True:
                msg, wparam = api.GetMessage()
                if msg in (0, WM_QUIT):
                    break
                if msg == WM_HOTKEY:
                    self._fire(wparam)
        finally:
            for hid in self._combos:
                api.UnregisterHotKey(0, hid)
