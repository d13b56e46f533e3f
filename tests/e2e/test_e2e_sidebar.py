"""End to end on a real X server (Xvfb + openbox): the real app in its own process, a Qt test
chat window in another, xdotool as the agent's keyboard and mouse, xclip as the agent's clipboard.

GIVEN a customer message in the chat window, WHEN the agent copies it and presses the pick key,
THEN the reply is in the chat's input box (Chinese intact) and the agent's clipboard is back.
"""
import subprocess
import sys

import pytest

import latency
from desktop import ROOT, wait_for

pytestmark = pytest.mark.e2e

BROKEN = "我买的杯子收到就碎了，订单号 3254857712345678，怎么处理？"
AGENT_CLIP = "坐席自己复制的内容：运单号 SF1234567890 😊"


def replies_for(sidebar, message):
    return sidebar.wait(lambda s: s["message"] == message and s["replies"], f"suggestions for {message!r}")


def result(sidebar, before=None):
    st = sidebar.wait(lambda s: s["last_result"] and not s["busy"] and s["last_result"] != before, "paste result")
    return st["last_result"]


def test_copy_then_pick_key_pastes_the_reply_and_restores_the_clipboard(xdesktop, chat, sidebar):
    chat.clear()
    chat.show(BROKEN)
    chat.copy_history()  # click the history, Ctrl+A, Ctrl+C — as the agent does
    st = replies_for(sidebar, BROKEN)
    assert "订单：3254857712345678" in st["chips"]
    assert st["platform"] == "qianniu" and "千牛" in st["platform_label"]
    # the sidebar updated without taking the focus from the chat window
    assert xdesktop.active_window() == chat.wid
    expected = st["replies"][0]
    before = st["last_result"]
    # WHEN the agent clicks the sidebar and presses 1
    x, y = st["first_reply_at"]
    xdesktop.click(x, y)
    wait_for(lambda: xdesktop.active_window() == st["sidebar_wid"], what="sidebar active")
    xdesktop.key("1")
    # THEN the reply arrives in the chat's input box, Chinese intact
    got = wait_for(lambda: chat.state()["input"], what="text in the chat input")
    assert got == expected
    res = result(sidebar, before)
    assert res["ok"], res
    assert xdesktop.active_window() == chat.wid
    # and the agent's clipboard (the customer message they had copied) is back
    assert xdesktop.clipboard() == BROKEN


def test_a_copy_of_several_messages_answers_the_customers_newest(xdesktop, chat, sidebar):
    """The agent selects the last messages of the chat (nick and time above each, as 千牛 copies
    them) and copies them with Ctrl+C: the sidebar answers the customer's newest message and reads
    it with the agent's reply and the customer's question above it."""
    chat.clear()
    chat.show("jd_5f8a2c 2026-12-01 10:01:02", "我上周买的被子还没收到",
              "客服小美 2026-12-01 10:01:40", "亲，这边帮您查一下物流哦",
              "jd_5f8a2c 2026-12-01 10:02:11", "都一个星期了，到底什么时候能到")
    chat.copy_history()
    st = replies_for(sidebar, "都一个星期了，到底什么时候能到")
    assert st["context"] == [{"role": "customer", "text": "我上周买的被子还没收到"},
                             {"role": "agent", "text": "亲，这边帮您查一下物流哦"}]
    assert "结合复制的前 2 条消息" in st["status"]
    assert xdesktop.active_window() == chat.wid


def test_search_popup_by_global_hotkey_pastes_into_the_previous_window(xdesktop, chat, sidebar):
    chat.clear()
    xdesktop.set_clipboard(AGENT_CLIP)
    chat.focus_input()
    before = sidebar.state()["last_result"]
    xdesktop.key("alt+q")
    st = sidebar.wait(lambda s: s["popup_visible"], "popup")
    wait_for(lambda: xdesktop.active_window() == st["popup_wid"], what="popup focused")
    xdesktop.type("thh")
    st = sidebar.wait(lambda s: s["popup_query"] == "thh" and s["popup_results"], "search results")
    chosen = st["popup_texts"][0]
    xdesktop.key("Return")
    got = wait_for(lambda: chat.state()["input"], what="text in the chat input")
    assert got == chosen
    res = result(sidebar, before)
    assert res["ok"], res
    assert not sidebar.state()["popup_visible"]
    assert xdesktop.active_window() == chat.wid
    assert xdesktop.clipboard() == AGENT_CLIP


def test_escape_closes_the_popup_and_the_chat_gets_the_focus_back(xdesktop, chat, sidebar):
    chat.focus_input()
    xdesktop.key("alt+q")
    sidebar.wait(lambda s: s["popup_visible"], "popup")
    xdesktop.key("Escape")
    sidebar.wait(lambda s: not s["popup_visible"], "popup hidden")
    wait_for(lambda: xdesktop.active_window() == chat.wid, what="chat active again")


def test_grab_hotkey_takes_the_selected_message(xdesktop, chat, sidebar):
    msg = "这件衣服尺码偏大吗 我平时穿M"
    chat.clear()
    chat.show(msg)
    xdesktop.set_clipboard(AGENT_CLIP)
    chat.select_history()
    xdesktop.key("alt+w")
    replies_for(sidebar, msg)
    sidebar.wait(lambda s: not s["busy"], "grab finished")
    assert xdesktop.clipboard() == AGENT_CLIP


def test_a_second_launch_brings_the_first_to_front(xdesktop, chat, sidebar):
    chat.focus_input()
    r = subprocess.run([sys.executable, "-m", "ui.app"], cwd=ROOT, capture_output=True, timeout=60,
                       env={**xdesktop.env, "KEFU_HOME": str(sidebar.home), "KEFU_TEST_IPC": "1"})
    assert r.returncode == 0 and "已经在运行" in r.stdout.decode("utf-8")
    wait_for(lambda: xdesktop.active_window() == sidebar.state()["sidebar_wid"], what="first instance in front")


def test_latency_copy_to_painted_and_hotkey_to_popup(xdesktop, chat, sidebar, capsys):
    """Prints median and p95 of 20 (no timing assert: this machine is not the agent's PC)."""
    copy_ms = latency.copy_to_painted(xdesktop, chat, sidebar, 20)
    popup_ms = latency.hotkey_to_popup(xdesktop, chat, sidebar, 20)
    assert len(copy_ms) == 20 and len(popup_ms) == 20 and min(copy_ms + popup_ms) > 0
    with capsys.disabled():
        for name, ms in (("copy → suggestions painted", copy_ms), ("hotkey → popup visible", popup_ms)):
            s = latency.summary(ms)
            print(f"\n[latency] {name}: median {s['median']:.0f} ms, p95 {s['p95']:.0f} ms "
                  f"(min {s['min']:.0f}, max {s['max']:.0f}, n={s['n']})", end="")
        print()
