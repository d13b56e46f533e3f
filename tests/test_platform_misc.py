"""Platform detection from the active window, paste profiles, the adapter selector, and the
macOS adapters against a fake osascript/pbcopy runner."""
import logging

import pytest

from assistant import platform as osplatform
from assistant.platform import macos
from assistant.platform.chat_clients import classify, profile_for
from assistant.platform.ports import ActiveWindow, Clipboard, Hotkeys, PlatformError, TextInjector, WindowInfo


@pytest.mark.parametrize("title,process,pid,label", [
    ("小王 - 接待中心", "AliWorkbench.exe", "qianniu", "千牛"),
    ("京麦 - 咚咚工作台", "", "dongdong", "咚咚"),
    ("拼多多商家工作台", "pddworkbench.exe", "pdd", "拼多多"),
    ("抖店 | 飞鸽客服", "feige.exe", "feige", "飞鸽"),
    ("微信", "WeChat.exe", "wechat", "微信"),
    ("千牛网页版 - Google Chrome", "chrome.exe", "qianniu", "千牛（网页）"),
    ("飞鸽 - 抖店 - Microsoft Edge", "msedge.exe", "feige", "飞鸽（网页）"),
    ("百度一下 - Google Chrome", "chrome.exe", "browser", "浏览器"),
    ("Untitled - Notepad", "notepad.exe", "unknown", "未识别"),
])
def test_chat_platform_from_title_and_process(title, process, pid, label):
    p = classify(WindowInfo(1, title, process))
    assert (p.id, p.label) == (pid, label)


def test_no_window_is_unknown():
    assert classify(None).id == "unknown"


def test_send_key_per_platform_from_settings():
    assert profile_for("wechat").send_key == "enter"
    assert profile_for("wechat", {"wechat": "ctrl+enter"}).send_key == "ctrl+enter"
    assert profile_for("qianniu", {"qianniu": "nonsense"}).send_key == "enter"


def test_selector_without_a_display_gives_null_adapters_and_logs_why(caplog):
    caplog.set_level(logging.INFO, logger="assistant.platform")
    a = osplatform.select("linux", {})
    assert a.name == "none"
    assert "DISPLAY" in a.notes[0]
    assert "platform adapters: none" in caplog.text
    assert a.active_window.current() is None
    with pytest.raises(PlatformError):
        a.injector.paste()
    ok, reason = a.screen_text.available()
    assert not ok and "OCR" in reason
    a.clipboard.set_text("x")
    assert a.clipboard.text() == "x"


def test_selector_on_wayland_explains_the_limit():
    a = osplatform.select("linux", {"WAYLAND_DISPLAY": "wayland-0"})
    assert a.name == "wayland" and "Wayland" in a.notes[0]


def test_every_adapter_set_satisfies_the_ports():
    from assistant.platform.fakes import fake_adapters
    from assistant.platform.windows import WinActiveWindow, WinClipboard, WinHotkeys, WinTextInjector
    from tests.test_platform_windows import FakeWin32

    a, _ = fake_adapters()
    api = FakeWin32()
    for obj, port in [(a.clipboard, Clipboard), (a.hotkeys, Hotkeys), (a.active_window, ActiveWindow),
                      (a.injector, TextInjector), (WinClipboard(api), Clipboard), (WinHotkeys(api), Hotkeys),
                      (WinActiveWindow(api), ActiveWindow), (WinTextInjector(api), TextInjector),
                      (macos.MacClipboard(runner=lambda a, d: (0, b"")), Clipboard),
                      (macos.MacTextInjector(runner=lambda a, d: (0, b"")), TextInjector),
                      (macos.MacActiveWindow(runner=lambda a, d: (0, b"")), ActiveWindow)]:
        assert isinstance(obj, port), (obj, port)


class Runner:
    def __init__(self, outputs=None):
        self.calls = []
        self.outputs = outputs or {}
        self.code = 0

    def __call__(self, args, data):
        self.calls.append((args, data))
        return self.code, self.outputs.get(args[0], b"")


def test_macos_frontmost_app_through_applescript():
    r = Runner({"osascript": "812\nWeChat\n微信 - 顾客小李\n".encode()})
    win = macos.MacActiveWindow(runner=r).current()
    assert win == WindowInfo(812, "微信 - 顾客小李", "wechat", 812)
    assert classify(win).id == "wechat"


def test_macos_paste_is_cmd_v_and_a_missing_permission_is_explained():
    r = Runner()
    inj = macos.MacTextInjector(runner=r)
    inj.paste()
    assert 'keystroke "v" using {command down}' in r.calls[0][0][2]
    inj.press("enter")
    assert "key code 36" in r.calls[1][0][2]
    r.code = 1
    with pytest.raises(PlatformError, match="辅助功能"):
        inj.paste()


def test_macos_clipboard_round_trip_through_pbcopy():
    r = Runner({"pbpaste": "原来的".encode()})
    clip = macos.MacClipboard(runner=r)
    snap = clip.snapshot()
    clip.set_text("回复")
    assert r.calls[-1] == (["pbcopy"], "回复".encode())
    clip.restore(snap)
    assert r.calls[-1] == (["pbcopy"], "原来的".encode())


def test_every_clipboard_adapter_answers_the_whole_port():
    """is_own_change and concealed are part of the Clipboard port, not reached through getattr."""
    from assistant.platform import MemoryClipboard
    from assistant.platform.fakes import FakeClipboard
    from assistant.platform.ports import Clipboard

    for clip in (MemoryClipboard(), FakeClipboard()):
        assert isinstance(clip, Clipboard)
        assert clip.is_own_change() is False and clip.concealed() is False
