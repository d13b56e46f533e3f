"""Screen watch without a screen: change detection, which customer message is new, and the
sidebar's watch controller over the fake desktop (FakeScreenText shows bubbles per window)."""
import numpy as np
import pytest

from assistant.screen.layout import Bubble
from assistant.screen.watch import ChatReader, differs, thumb

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|setting window opacity)")


def test_thumbnail_difference_ignores_noise_but_sees_a_new_line(qapp):
    from screen_fixtures import render_chat

    a, _ = render_chat([("customer", "在吗", "小王", "10:00:01")], width=480)
    b = a.copy()
    b[5, 5] = 0  # one pixel (a caret, anti-aliasing)
    assert not differs(thumb(a), thumb(b))
    c, _ = render_chat([("customer", "在吗", "小王", "10:00:01"), ("customer", "发货了吗", "小王", "10:00:09")],
                       width=480)
    c = c[: a.shape[0]] if c.shape[0] >= a.shape[0] else c
    assert differs(thumb(a), thumb(np.ascontiguousarray(c[-a.shape[0]:])))


def B(role, text):
    return Bubble(role, text, (0, 0, 0, 0))


def test_reader_hands_on_each_new_customer_message_once():
    r = ChatReader()
    got = r.update([B("customer", "在吗")])
    assert got.message.text == "在吗" and got.context == []
    assert r.update([B("customer", "在吗")]).message is None  # same screen again
    got = r.update([B("customer", "在吗"), B("agent", "在的亲"), B("customer", "什么时候发货")])
    assert got.message.text == "什么时候发货" and [b.text for b in got.context] == ["在吗", "在的亲"]
    # the agent answers: the newest customer bubble is the old one, nothing new
    assert r.update([B("customer", "在吗"), B("agent", "在的亲"), B("customer", "什么时候发货"),
                     B("agent", "今天发")]).message is None
    # the same words again after a new reply are a new message
    got = r.update([B("customer", "什么时候发货"), B("agent", "今天发"), B("customer", "在吗")])
    assert got.message.text == "在吗"
    # scrolled: the old message at the top with nothing above it is not new
    assert r.update([B("customer", "什么时候发货"), B("agent", "今天发"), B("customer", "在吗"),
                     B("agent", "在的")][2:]).message is None


def test_reader_never_hands_on_the_agents_bubble():
    r = ChatReader()
    assert r.update([B("agent", "亲，在的")]).message is None


@pytest.fixture
def watched(qtbot, db_file, desk):
    from ui.app import App
    from assistant.settings import Settings

    adapters, desktop, chat = desk
    s = Settings(profiles={"qianniu": {"area": [0, 40, 400, 500]}, "wechat": {"area": [0, 60, 380, 480]}})
    a = App(db_file, adapters=adapters, settings=s)
    qtbot.addWidget(a.window)
    qtbot.addWidget(a.popup)
    a.start()
    qtbot.waitUntil(lambda: "条话术" in a.window.status.text(), timeout=30000)
    yield a, adapters, desktop, chat
    a.stop()


def test_watch_on_reads_new_customer_messages_with_context(qtbot, watched):
    app, adapters, desktop, chat = watched
    screen = adapters.screen_text
    screen.show(chat.info.handle, [("customer", "在吗"), ("agent", "在的亲"), ("customer", "杯子碎了怎么办")])
    app.window.title.watch_btn.click()
    assert app.watch.enabled and app.window.title.watch_btn.text() == "● 看屏中"
    assert app.tray.watch_action.isChecked() and app.settings.watch_screen
    qtbot.waitUntil(lambda: app.window.input.toPlainText() == "杯子碎了怎么办", timeout=5000)
    qtbot.waitUntil(lambda: app.window.suggestions is not None, timeout=5000)
    assert app._context == [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "在的亲"}]
    assert app.watch.profile.id == "qianniu"
    # the agent's answer appears: read, never taken as the message
    screen.show(chat.info.handle, [("customer", "在吗"), ("agent", "在的亲"), ("customer", "杯子碎了怎么办"),
                                   ("agent", "亲，麻烦拍个照片")])
    qtbot.waitUntil(lambda: screen.frames == 2, timeout=3000)
    qtbot.wait(300)
    assert app.window.input.toPlainText() == "杯子碎了怎么办"


def test_profile_switches_with_the_window_in_front(qtbot, watched):
    app, adapters, desktop, chat = watched
    screen = adapters.screen_text
    wx = desktop.open("微信 - 顾客小李", "python3")
    screen.show(chat.info.handle, [("customer", "千牛里的问题")])
    screen.show(wx.info.handle, [("customer", "微信里的问题")])
    app.set_watch(True)
    qtbot.waitUntil(lambda: app.window.input.toPlainText() == "微信里的问题", timeout=5000)
    assert app.watch.profile.id == "wechat" and app.watch.profile.area == (0, 60, 380, 480)
    desktop.foreground = chat.info.handle
    qtbot.waitUntil(lambda: app.window.input.toPlainText() == "千牛里的问题", timeout=5000)
    assert app.watch.profile.id == "qianniu" and app.watch.profile.area == (0, 40, 400, 500)
    # a window of no known client is not read
    other = desktop.open("记事本", "notepad.exe")
    screen.show(other.info.handle, [("customer", "不是聊天窗口")])
    qtbot.waitUntil(lambda: "不是已知的聊天软件" in app.watch.state, timeout=3000)
    assert app.window.input.toPlainText() == "千牛里的问题"


def test_a_client_without_a_marked_area_asks_for_one(qtbot, watched):
    app, adapters, desktop, chat = watched
    pdd = desktop.open("拼多多商家工作台", "pddworkbench.exe")
    adapters.screen_text.show(pdd.info.handle, [("customer", "在吗")])
    app.set_watch(True)
    qtbot.waitUntil(lambda: "请先框选「拼多多商家工作台」" in app.window.status.text(), timeout=3000)
    assert app.window.input.toPlainText() == ""


def test_watch_unavailable_without_the_ocr_extra_says_why_and_the_app_works(qtbot, watched, monkeypatch):
    app, adapters, desktop, chat = watched
    from assistant.platform import NullScreenText
    from assistant.screen.ocr import MISSING

    app.watch.port = NullScreenText(MISSING)
    app.window.title.watch_btn.click()
    assert not app.watch.enabled and not app.window.title.watch_btn.isChecked()
    assert "文字识别组件未安装" in app.window.toast.text() and not app.settings.watch_screen
    # copying still works
    adapters.clipboard.copy_from_elsewhere("这个杯子能装开水吗")
    qtbot.waitUntil(lambda: app.window.replies.count() > 0, timeout=5000)


def test_ocr_status_names_the_extra_when_it_is_missing(monkeypatch):
    import importlib.util

    from assistant.screen import ocr

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "rapidocr_onnxruntime" else real(name, *a))
    ok, why = ocr.ocr_status()
    assert not ok and "pip install" in why and "复制" in why


def test_a_message_read_off_the_screen_is_logged_only_when_the_agent_uses_it(qtbot, watched):
    app, adapters, desktop, chat = watched
    adapters.screen_text.show(chat.info.handle, [("customer", "你好，这个杯子能装热水吗")])
    app.set_watch(True)
    qtbot.waitUntil(lambda: app.window.replies.count() > 0 and app._source == "screen", timeout=5000)
    assert app.usage.pending is not None and app.usage.msg is None  # nothing recorded yet
    with qtbot.waitSignal(app.reply_pasted, timeout=5000):
        app.window.pick(0)
    assert app.usage.pending is None and app.usage.msg is not None  # recorded with the paste


def test_a_changed_area_is_not_read_while_another_window_lies_on_top_of_it(qapp, monkeypatch):
    """Right after a switch the focus record may still name the old chat while the new one is on
    top: the pixels there are the new chat's and must not be read as the old one's message."""
    import ui.screen_watch as sw
    from assistant.platform.ports import WindowInfo

    shown = {"now": np.zeros((120, 300, 4), np.uint8)}
    monkeypatch.setattr(sw, "grab_bgra", lambda rect: (shown["now"][: rect[3], : rect[2]], None))
    monkeypatch.setattr(sw, "grab", lambda rect: shown["now"][: rect[3], : rect[2], :3].copy())
    on_top = {"value": False}
    asked = []

    def shows(win, x, y):
        asked.append((win.handle, x, y))
        return on_top["value"]

    port = sw.QtOcrScreenText(shows=shows)
    qianniu = WindowInfo(7, "千牛", rect=(100, 100, 600, 500))
    area = (20, 30, 300, 120)  # on screen: x 120..420, y 130..250
    shown["now"] = np.full((120, 300, 4), 255, np.uint8)
    shown["now"][100:110, 10:200] = 0  # a new line of text appeared there
    assert port.frame(qianniu, area) is None and port.covered == 1
    assert asked and all(h == 7 and 120 <= x < 420 and 130 <= y < 250 for h, x, y in asked)
    on_top["value"] = True  # the window is really in front now: the same change is read
    f = port.frame(qianniu, area)
    assert f is not None and f.handle == 7 and port.covered == 1
    assert port.frame(qianniu, area) is None  # and only once
    port_without = sw.QtOcrScreenText()  # an adapter that cannot tell: read as before
    assert port_without.frame(qianniu, area) is not None
