"""The X11 adapters against the real X server and the test chat window (no sidebar process)."""
import os
import threading

import pytest

from desktop import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def x11(xdesktop, monkeypatch):
    monkeypatch.setenv("DISPLAY", xdesktop.display)
    from assistant.platform import x11

    return x11


@pytest.fixture
def xd(x11):
    """One X connection for the adapters under test, closed afterwards (the app shares one too)."""
    d = x11.open_display()
    yield d
    d.close()


def test_active_window_reports_the_chat_window(xdesktop, chat, x11, xd):
    chat.focus_input()
    win = x11.X11ActiveWindow(xd).current()
    assert win.handle == chat.wid
    assert "测试聊天窗口" in win.title and win.pid == chat.proc.pid
    assert win.process.startswith("python")
    assert win.rect[2] >= 800 and win.rect[3] >= 600
    from assistant.platform.chat_clients import classify

    assert classify(win).id == "qianniu"


def test_activate_brings_a_window_back_to_front(xdesktop, chat, x11, tmp_path, xd):
    from desktop import Chat

    aw = x11.X11ActiveWindow(xd)
    assert aw.has_ewmh()
    chat.focus_input()
    target = aw.current()
    other = Chat(xdesktop, tmp_path / "other.sock", geometry=(1000, 200, 500, 400))  # takes the focus
    try:
        other.focus_input()
        assert aw.current().handle == other.wid
        assert aw.activate(target)
        wait_for(lambda: aw.current().handle == chat.wid, what="chat active again")
    finally:
        other.proc.terminate()
        other.proc.wait(5)


def test_shows_asks_the_server_which_window_is_on_top_at_a_point(xdesktop, chat, x11, tmp_path, xd):
    """Where another window lies on top of the chat, the screen does not show the chat."""
    from desktop import Chat

    aw = x11.X11ActiveWindow(xd)
    chat.focus_input()
    mine = aw.current()
    x, y, w, h = mine.rect
    other = Chat(xdesktop, tmp_path / "other.sock", geometry=(x + w // 2, y + h // 2, 400, 300))
    try:
        other.focus_input()
        wait_for(lambda: aw.current().handle == other.wid, what="other window in front")
        inside_both = (x + w // 2 + 50, y + h // 2 + 50)
        only_chat = (x + 30, y + 60)
        assert aw.shows(mine, *inside_both) is False
        assert aw.shows(aw.current(), *inside_both) is True
        assert aw.shows(mine, *only_chat) is True
        assert aw.activate(mine)
        wait_for(lambda: aw.shows(mine, *inside_both) is True, what="chat on top again")
    finally:
        other.proc.terminate()
        other.proc.wait(5)


def test_keep_on_top_gives_a_window_back_its_above_state(xdesktop, chat, x11, xd):
    from Xlib import X, Xatom
    from Xlib.protocol import event

    aw = x11.X11ActiveWindow(xd)
    state, above = aw.atom("_NET_WM_STATE"), aw.atom("_NET_WM_STATE_ABOVE")
    win = aw.d.create_resource_object("window", chat.wid)

    def is_above():
        p = win.get_full_property(state, Xatom.ATOM)
        return p is not None and above in list(p.value)

    def set_above(on: bool):
        ev = event.ClientMessage(window=win, client_type=state, data=(32, [1 if on else 0, above, 0, 2, 0]))
        aw.root.send_event(ev, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
        aw.d.flush()

    set_above(False)
    wait_for(lambda: not is_above(), what="ABOVE removed")
    try:
        assert aw.keep_on_top(chat.wid) is True
        wait_for(is_above, what="ABOVE back")
        assert aw.keep_on_top(chat.wid) is False  # already on top: nothing sent
    finally:
        set_above(False)


def test_injector_pastes_chinese_into_the_chat_and_sees_held_modifiers(xdesktop, chat, x11, xd):
    chat.clear()
    chat.focus_input()
    text = "亲，已为您备注：加急发货😊\n第二行"
    xdesktop.set_clipboard(text)
    inj = x11.X11TextInjector(xd)
    inj.paste()
    assert wait_for(lambda: chat.state()["input"], what="pasted") == text
    assert inj.modifiers_down() == set()
    xdesktop.run(["xdotool", "keydown", "alt"])
    try:
        assert "alt" in inj.modifiers_down()
    finally:
        xdesktop.run(["xdotool", "keyup", "alt"])
    xdesktop.run(["xdotool", "keydown", "F9"])  # a hotkey's own key still held
    try:
        assert inj.modifiers_down() == {"key"}
    finally:
        xdesktop.run(["xdotool", "keyup", "F9"])
    assert inj.modifiers_down() == set()


def test_xclip_clipboard_round_trip_and_change_counter(xdesktop, x11, xd):
    clip = x11.XClipClipboard(xd)
    xdesktop.set_clipboard("别人复制的")
    wait_for(lambda: clip.text() == "别人复制的", what="clipboard text")
    seq = clip.sequence()
    snap = clip.snapshot()
    assert clip.set_text("我们的回复")
    assert wait_for(lambda: clip.sequence() != seq, what="sequence moved")
    assert clip.text() == "我们的回复"
    assert clip.restore(snap)
    assert clip.text() == "别人复制的"


@pytest.mark.parametrize("xfixes", [True, False], ids=["xfixes", "content-only"])
def test_xclip_clipboard_watchers_run_when_a_poll_finds_a_change(xdesktop, x11, xd, xfixes):
    clip = x11.XClipClipboard(xd)
    clip._xfixes = clip._xfixes and xfixes  # False: as on a server without XFixes
    seen = []
    clip.watch(lambda: seen.append(clip.text()))
    clip.sequence()
    copied = f"别人复制的 {xfixes}"
    xdesktop.set_clipboard(copied)

    def noticed():
        clip.sequence()
        return seen and seen[-1] == copied
    wait_for(noticed, what="the watcher called with the new text")


def test_key_grab_consumes_the_hotkey_and_is_exact(xdesktop, chat, x11):
    chat.clear()
    chat.focus_input()
    hot = x11.X11GrabHotkeys(xdesktop.display)
    fired = threading.Event()
    hot.register("alt+q", fired.set)
    hot.start()
    try:
        xdesktop.key("ctrl+alt+q")  # extra modifier: not ours
        xdesktop.key("alt+q")
        assert fired.wait(5)
        assert chat.state()["input"] == ""  # the chat never saw the key
        hot2 = x11.X11GrabHotkeys(xdesktop.display)
        hot2.register("alt+q", lambda: None)
        hot2.start()
        assert hot2.failed == {"alt+q": "已被其他程序占用"}
        hot2.stop()
    finally:
        hot.stop()


def test_pynput_listener_with_our_matcher_fires_under_x(xdesktop, chat, x11, monkeypatch):
    from assistant.platform.hotkeys import PynputHotkeys, x11_vk_letter

    chat.focus_input()
    hot = PynputHotkeys(vk_letters=x11_vk_letter)
    fired = []
    done = threading.Event()
    hot.register("alt+w", lambda: (fired.append("alt+w"), done.set()))
    hot.start()
    try:
        xdesktop.key("ctrl+alt+w")
        xdesktop.key("alt+w")
        assert done.wait(5)
        assert fired == ["alt+w"]
    finally:
        hot.stop()
    assert os.environ["DISPLAY"] == xdesktop.display


def test_selector_picks_x11_and_logs_it(xdesktop, x11, caplog):
    import logging

    from assistant import platform as osplatform

    caplog.set_level(logging.INFO, logger="assistant.platform")
    a = osplatform.select("linux", {"DISPLAY": xdesktop.display})
    assert a.name == "x11" and type(a.hotkeys).__name__ == "X11GrabHotkeys"
    assert "platform adapters: x11" in caplog.text
    a.active_window.d.close()  # the app keeps its two connections for its lifetime; a test does not
    a.clipboard.d.close()
