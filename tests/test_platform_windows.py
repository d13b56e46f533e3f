"""Windows adapters against a fake Win32 layer, and the ctypes layer against fake DLLs.
Nothing here needs Windows; what only a Windows machine can confirm is in docs/platform-notes.md."""
import ctypes
import threading
from queue import Queue

import pytest

from assistant.platform import windows as w
from assistant.platform.hotkeys import parse_combo
from assistant.platform.ports import PlatformError, WindowInfo


class FakeWin32:
    def __init__(self):
        self.calls = []
        self.fg = 0x100
        self.windows = {0x100: ("千牛接待中心", 11, 501, r"C:\Program Files\AliWorkBench\AliWorkBench.exe"),
                        0x200: ("客服助手", 22, 502, r"C:\kefu\kefu.exe")}
        self.refuse_foreground = False
        self.keys_down: set[int] = set()
        self.sendinput_blocked = False
        self.clip = "原剪贴板"
        self.seq = 7
        self.messages: Queue = Queue()
        self.registered = {}
        self.taken = set()  # (mods, vk) another program holds
        self.integrity = {}
        self.thread_id = 99
        self.point_hits = {}  # the screen: which (child) window WindowFromPoint hits at (x, y)
        self.roots = {}  # each child's root owner (GetAncestor GA_ROOT)

    def _log(self, *a):
        self.calls.append(a)

    def GetForegroundWindow(self):
        return self.fg

    def GetWindowText(self, hwnd):
        return self.windows[hwnd][0]

    def GetWindowThreadProcessId(self, hwnd):
        t = self.windows.get(hwnd)
        return (t[1], t[2]) if t else (0, 0)

    def QueryFullProcessImageName(self, pid):
        for title, tid, p, exe in self.windows.values():
            if p == pid:
                return exe
        return ""

    def GetWindowRect(self, hwnd):
        return (10, 20, 810, 620)

    def IsIconic(self, hwnd):
        return False

    def ShowWindow(self, hwnd, cmd):
        self._log("ShowWindow", hwnd, cmd)
        return True

    def GetCurrentThreadId(self):
        return self.thread_id

    def AttachThreadInput(self, a, b, attach):
        self._log("AttachThreadInput", a, b, attach)
        return True

    def SetForegroundWindow(self, hwnd):
        self._log("SetForegroundWindow", hwnd)
        if self.refuse_foreground:
            return False
        self.fg = hwnd
        return True

    def BringWindowToTop(self, hwnd):
        self._log("BringWindowToTop", hwnd)
        return True

    def SetWindowPos(self, hwnd, after, flags):
        self._log("SetWindowPos", hwnd, after, flags)
        return True

    def SendInput(self, keys):
        self._log("SendInput", list(keys))
        return 0 if self.sendinput_blocked else len(keys)

    def GetAsyncKeyState(self, vk):
        return -32768 if vk in self.keys_down else 0

    def GetClipboardSequenceNumber(self):
        return self.seq

    def GetClipboardText(self):
        return self.clip

    def SetClipboardText(self, text):
        self.clip = text
        self.seq += 1
        return True

    def RegisterHotKey(self, hwnd, hid, mods, vk):
        if (mods & ~w.MOD_NOREPEAT, vk) in self.taken:
            return False
        self.registered[hid] = (mods, vk)
        return True

    def UnregisterHotKey(self, hwnd, hid):
        self.registered.pop(hid, None)
        return True

    def GetMessage(self):
        return self.messages.get(timeout=5)

    def PostThreadMessage(self, tid, msg):
        self.messages.put((msg, 0))
        return True

    def ProcessIntegrity(self, pid):
        return self.integrity.get(pid)

    def WindowFromPoint(self, x, y):
        self._log("WindowFromPoint", x, y)
        return self.point_hits.get((x, y), 0)

    def GetAncestor(self, hwnd, flags):
        self._log("GetAncestor", hwnd, flags)
        return self.roots.get(hwnd, hwnd)


@pytest.fixture
def api():
    return FakeWin32()


def test_active_window_reports_title_exe_pid_and_rect(api):
    win = w.WinActiveWindow(api).current()
    assert win == WindowInfo(0x100, "千牛接待中心", "aliworkbench.exe", 501, (10, 20, 800, 600))


def test_no_foreground_window_on_the_lock_screen_is_none(api):
    api.fg = 0
    assert w.WinActiveWindow(api).current() is None


def test_activate_does_the_attach_thread_input_dance_and_detaches(api):
    api.fg = 0x200  # our own sidebar is in front
    ok = w.WinActiveWindow(api).activate(WindowInfo(0x100))
    assert ok and api.fg == 0x100
    names = [c[0] for c in api.calls]
    assert names == ["AttachThreadInput", "SetForegroundWindow", "BringWindowToTop", "SetWindowPos",
                     "AttachThreadInput"]
    assert api.calls[0] == ("AttachThreadInput", 99, 22, True)
    assert api.calls[-1] == ("AttachThreadInput", 99, 22, False)
    assert not any(c[0] == "SendInput" for c in api.calls)  # no forged Alt press


def test_refused_activation_reports_false_and_still_detaches(api):
    api.fg = 0x200
    api.refuse_foreground = True
    assert not w.WinActiveWindow(api).activate(WindowInfo(0x100))
    assert api.calls[-1] == ("AttachThreadInput", 99, 22, False)


def test_keep_on_top_re_inserts_into_the_topmost_band_without_activating(api):
    assert w.WinActiveWindow(api).keep_on_top(0x200)
    (name, hwnd, after, flags), = api.calls
    assert (name, hwnd, after) == ("SetWindowPos", 0x200, -1)  # HWND_TOPMOST, not HWND_TOP
    assert flags & w.SWP_NOACTIVATE and flags & w.SWP_NOMOVE and flags & w.SWP_NOSIZE
    assert not flags & w.SWP_SHOWWINDOW
    assert api.fg == 0x100  # the chat keeps the focus


def test_shows_asks_windowfrompoint_and_compares_the_root_owner(api):
    aw = w.WinActiveWindow(api)
    api.point_hits = {(300, 400): 0x111, (20, 30): 0x222}
    api.roots = {0x111: 0x100, 0x222: 0x300}  # a message-list child of 千牛; a child of another app
    assert aw.shows(WindowInfo(0x100), 300, 400) is True
    assert ("GetAncestor", 0x111, w.GA_ROOT) in api.calls
    assert aw.shows(WindowInfo(0x100), 20, 30) is False  # another window lies on top there
    assert aw.shows(WindowInfo(0x100), 5, 5) is None  # nothing at all: cannot tell
    api.windows[0x300] = ("千牛聊天", 11, 501, r"C:\Program Files\AliWorkBench\AliWorkBench.exe")
    assert aw.shows(WindowInfo(0x100, pid=501), 20, 30) is True  # 千牛's own conversation window
    assert aw.shows(WindowInfo(0x100, pid=502), 20, 30) is False


def test_paste_is_one_sendinput_of_ctrl_v(api):
    w.WinTextInjector(api).paste()
    (name, keys), = api.calls
    assert keys == [(0x11, False), (0x56, False), (0x56, True), (0x11, True)]


def test_send_key_ctrl_enter(api):
    w.WinTextInjector(api).press("ctrl+enter")
    assert api.calls[0][1] == [(0x11, False), (0x0D, False), (0x0D, True), (0x11, True)]


def test_blocked_sendinput_raises_a_clear_message(api):
    api.sendinput_blocked = True
    with pytest.raises(PlatformError, match="管理员"):
        w.WinTextInjector(api).paste()


def test_modifiers_down_from_getasynckeystate(api):
    api.keys_down = {0x12, w.VK_RWIN}
    assert w.WinTextInjector(api).modifiers_down() == {"alt", "cmd"}


def test_elevated_target_is_detected(api):
    import os

    api.integrity = {501: 0x3000, os.getpid(): 0x2000}
    reason = w.WinTextInjector(api).check_target(WindowInfo(0x100, pid=501))
    assert reason and "管理员" in reason
    api.integrity = {501: 0x2000, os.getpid(): 0x2000}
    assert w.WinTextInjector(api).check_target(WindowInfo(0x100, pid=501)) is None


def test_clipboard_uses_the_real_sequence_number(api):
    clip = w.WinClipboard(api)
    seen = []
    clip.watch(lambda: seen.append(1))
    s0 = clip.sequence()
    snap = clip.snapshot()
    clip.set_text("回复")
    assert clip.sequence() == s0 + 1 and clip.text() == "回复" and seen == [1]
    clip.restore(snap)
    assert clip.text() == "原剪贴板"


def test_registerhotkey_arguments():
    assert w.hotkey_args(parse_combo("alt+q")) == (w.MOD_ALT | w.MOD_NOREPEAT, ord("Q"))
    assert w.hotkey_args(parse_combo("ctrl+shift+f2")) == (w.MOD_CONTROL | w.MOD_SHIFT | w.MOD_NOREPEAT, 0x71)
    assert w.hotkey_args(parse_combo("win+.")) == (w.MOD_WIN | w.MOD_NOREPEAT, 0xBE)


def test_hotkey_thread_registers_dispatches_and_stops(api):
    hot = w.WinHotkeys(api)
    fired = threading.Event()
    hot.register("alt+q", fired.set)
    hot.register("alt+w", lambda: None)
    api.taken = {(w.MOD_ALT, ord("W"))}  # another program holds Alt+W
    hot.start()
    assert hot.failed == {"alt+w": "已被其他程序占用"}
    assert 1 in api.registered
    api.messages.put((w.WM_HOTKEY, 1))
    assert fired.wait(5)
    hot.stop()
    assert not hot.alive() and api.registered == {}


def test_paused_windows_hotkeys_do_not_fire(api):
    hot = w.WinHotkeys(api)
    fired = []
    hot.register("alt+q", lambda: fired.append(1))
    hot.start()
    hot.pause(True)
    api.messages.put((w.WM_HOTKEY, 1))
    hot.stop()  # WM_QUIT is queued after the hotkey, so the hotkey was handled (and ignored)
    assert fired == []


# --- the ctypes layer itself ------------------------------------------------------------------


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="INPUT layout checked for 64-bit")
def test_input_struct_has_the_win64_layout():
    INPUT, KEYBDINPUT = w._input_structs()
    assert ctypes.sizeof(INPUT) == 40 and ctypes.sizeof(KEYBDINPUT) == 24


def test_build_inputs_sets_keyup_and_extended_flags():
    arr = w.build_inputs([(0x11, False), (0x25, True)])
    assert arr[0].type == w.INPUT_KEYBOARD and arr[0].ki.wVk == 0x11 and arr[0].ki.dwFlags == 0
    assert arr[1].ki.dwFlags == w.KEYEVENTF_KEYUP | w.KEYEVENTF_EXTENDEDKEY


class FakeUser32:
    def __init__(self):
        self.sent = None

    def GetWindowTextLengthW(self, hwnd):
        return 4

    def GetWindowTextW(self, hwnd, buf, n):
        buf.value = "千牛工作"
        return 4

    def SendInput(self, n, arr, size):
        INPUT, _ = w._input_structs()
        items = ctypes.cast(arr, ctypes.POINTER(INPUT))
        self.sent = [(items[i].ki.wVk, bool(items[i].ki.dwFlags & w.KEYEVENTF_KEYUP)) for i in range(n)]
        return n

    def GetForegroundWindow(self):
        return None  # NULL

    def WindowFromPoint(self, pt):
        self.point = (pt.x, pt.y)  # POINT by value, as user32 takes it
        return 0x4242

    def GetAncestor(self, hwnd, flags):
        return None if flags != w.GA_ROOT else 0x100


def test_ctypes_layer_marshals_text_and_inputs():
    u = FakeUser32()
    api = w.CtypesWin32(user32=u, kernel32=object(), advapi32=object())
    assert api.GetWindowText(1) == "千牛工作"
    assert api.SendInput([(0x11, False), (0x56, False)]) == 2
    assert u.sent == [(0x11, False), (0x56, False)]
    assert api.GetForegroundWindow() == 0
    assert api.WindowFromPoint(300, 400) == 0x4242 and u.point == (300, 400)
    assert api.GetAncestor(0x4242, w.GA_ROOT) == 0x100
