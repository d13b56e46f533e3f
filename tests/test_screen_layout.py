"""Header stripping, bubble grouping and side detection — on chat areas rendered with Qt in the
CJK font (tests/screen_fixtures.py), first with the exact line boxes, then through real OCR."""
import numpy as np
import pytest

from assistant.screen.headers import is_header_line, strip_headers
from assistant.screen.layout import Line, background, group_bubbles, newest_customer, side_of
from screen_fixtures import CONVERSATION, render_chat


@pytest.mark.parametrize("line", [
    "小王 2026-12-01 10:02:11", "小王2026-12-0110:02:11", "10:02", "昨天 10:02", "星期一 09:15",
    "2026-12-01", "tb_小王 12-01 10:02:11", "客服小美 10:03:15", "小王(tb123456) 2026-12-01 10:02:11",
    "jd_138123 2026/12/01 9:05:33", "[10:02:11]",
])
def test_header_lines_are_recognised(line):
    assert is_header_line(line)


@pytest.mark.parametrize("line", [
    "明天 12:30", "12:30 发货吗", "我12:30到家", "3254857712345678", "订单号 3254857712345678",
    "小王 10:02", "在吗", "能便宜点吗？", "",
])
def test_messages_are_not_headers(line):
    assert not is_header_line(line)


@pytest.mark.parametrize("copied, message", [
    ("小王 2026-12-01 10:02:11\n我买的杯子碎了，怎么办", "我买的杯子碎了，怎么办"),
    ("<xiaowang> 这个什么时候发货", "这个什么时候发货"),
    ("[10:02] <小王> 在吗", "在吗"),
    ("小王(tb123456): 能便宜点吗", "能便宜点吗"),
    ("10:02\n小王 2026-12-01 10:02:11\n订单号 3254857712345678 还没到", "订单号 3254857712345678 还没到"),
    ("明天 12:30 能送到吗", "明天 12:30 能送到吗"),
    ("就一行消息", "就一行消息"),
])
def test_copied_text_loses_the_chat_clients_headers(copied, message):
    assert strip_headers(copied) == message


def _exact_lines(truth):
    return [Line(text, box) for _, text, box in truth]


def test_rendered_bubbles_are_grouped_and_sided(qapp):
    img, truth = render_chat(CONVERSATION)
    bubbles = group_bubbles(_exact_lines(truth), img)
    assert [(b.role, b.text) for b in bubbles] == [(r, t) for r, t, _, _ in CONVERSATION]
    newest, ctx = newest_customer(bubbles)
    assert newest.text == "好的" and [b.role for b in ctx] == ["customer", "agent", "customer", "agent"]


def test_a_wrapped_agent_bubble_stays_one_bubble_on_the_right(qapp):
    """Its last, short line starts at the bubble's left edge, nearer the left margin than the
    right: the side comes from the whole bubble, not the line."""
    long = "非常抱歉给您添麻烦了，麻烦您拍一下破损的照片和快递面单发给我，我马上帮您登记补发"
    img, truth = render_chat([("agent", long, "客服", "2026-12-01 10:00:00")], wrap=330)
    lines = _exact_lines(truth)
    assert len([t for t in truth if t[0] == "agent"]) >= 2
    last = lines[-1]
    assert side_of(last, img.shape[1]) == "left"  # the trap
    bubbles = group_bubbles(lines, img)
    assert [(b.role, b.text) for b in bubbles] == [("agent", long)]


def test_side_by_colour_when_a_bubble_spans_the_area(qapp):
    """A bubble as wide as the area cannot be placed by its margins: its fill decides."""
    turns = [("customer", "左边的顾客消息", "小王", "10:00:01"), ("agent", "右边的客服回复", "客服", "10:00:05"),
             ("agent", "这是一条非常非常长的客服回复，几乎和整个聊天区域一样宽了", "客服", "10:00:09")]
    img, truth = render_chat(turns, width=520, wrap=470)
    bubbles = group_bubbles(_exact_lines(truth), img)
    assert [b.role for b in bubbles] == ["customer", "agent", "agent"]


def test_without_drawn_bubbles_headers_still_separate_messages(qapp):
    """Clients that print "nick time" over plain text (old 千牛 style): no fill, the header
    pattern separates messages and the margin gives the side."""
    img, truth = render_chat(CONVERSATION[:3], bubbles=False)
    bubbles = group_bubbles(_exact_lines(truth), img)
    assert [(b.role, b.text) for b in bubbles] == [(r, t) for r, t, _, _ in CONVERSATION[:3]]


def test_customer_on_the_right_when_a_profile_says_so(qapp):
    img, truth = render_chat(CONVERSATION[:2])
    bubbles = group_bubbles(_exact_lines(truth), img, customer_side="right")
    assert [b.role for b in bubbles] == ["agent", "customer"]


def test_background_is_the_plain_area_colour(qapp):
    img, _ = render_chat(CONVERSATION)
    assert np.allclose(background(img), (0xED, 0xED, 0xED), atol=6)


def test_rendered_chat_through_real_ocr(qapp):
    pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed")
    from assistant.screen.ocr import RapidOcr
    from assistant.screen.watch import ocr_bubbles

    img, _ = render_chat(CONVERSATION)
    bubbles = ocr_bubbles(RapidOcr(), img)
    from rapidfuzz.distance import Levenshtein

    assert [b.role for b in bubbles] == [r for r, _, _, _ in CONVERSATION]
    ref = [t.replace(" ", "") for _, t, _, _ in CONVERSATION]
    got = [b.text.replace(" ", "") for b in bubbles]
    errors = sum(Levenshtein.distance(a, b) for a, b in zip(ref, got))
    assert 1 - errors / sum(map(len, ref)) >= 0.97, got
    assert not any("2026" in g or "小王" in g for g in got)  # headers stripped


def _turns(text):
    from assistant.screen.headers import split_turns
    return [(t.nick, t.text) for t in split_turns(text)]


def test_a_copy_of_several_messages_splits_into_turns_by_sender():
    copied = ("订单的事\n"  # the tail of a message the selection cut into
              "jd_5f8a2c 2026-12-01 10:01:02\n在吗\n"
              "客服小美 2026-12-01 10:01:30\n亲，在的\n请问有什么可以帮您\n"
              "jd_5f8a2c 2026-12-01 10:02:11\n我的快递怎么还没到")
    assert _turns(copied) == [(None, "订单的事"), ("jd_5f8a2c", "在吗"),
                              ("客服小美", "亲，在的\n请问有什么可以帮您"), ("jd_5f8a2c", "我的快递怎么还没到")]
    assert _turns("<a> 你好\n<b> 在的\n[10:02] <a> 发货了吗") == [("a", "你好"), ("b", "在的"), ("a", "发货了吗")]
    assert _turns("小王(tb123456): 能便宜点吗\n客服(店铺): 可以的") == [("小王(tb123456)", "能便宜点吗"), ("客服(店铺)", "可以的")]
    # one message, or lines without any header, are not split
    assert _turns("就一行消息") == [] and _turns("第一行\n明天 12:30 能送到吗") == []


def test_qianniu_copies_in_the_shapes_a_public_parser_of_its_clipboard_handles():
    """Windows line ends, the nick run into the time, the nick on the line above its time, the
    read state under the shop's messages, recalls and transfer notes, "sender --> receiver"."""
    from assistant.screen.headers import split_turns
    copied = ("tb_lily882026-12-1 9:01:02\r\n这个被子有货吗\r\n"
              "优品家纺:小美\r\n2026-12-01 09:01:40\r\n亲，有货的哦\r\n已读\r\n"
              "tb_lily88 撤回了一条消息\r\n"
              "由 服务助手 转交给 优品家纺:小美\r\n"
              "tb_lily88 2026-12-01 09:02:11\r\n今天拍明天能发吗")
    turns = split_turns(copied)
    assert [(t.nick, t.text) for t in turns] == [("tb_lily88", "这个被子有货吗"), ("优品家纺:小美", "亲，有货的哦"),
                                                 ("tb_lily88", "今天拍明天能发吗")]
    assert [t.read_mark for t in turns] == [False, True, False]
    assert _turns("小美 --> tb_lily88 2026-12-01 09:01:40\n亲，有货的哦\ntb_lily88 2026-12-01 09:02:11\n好的") == \
        [("小美", "亲，有货的哦"), ("tb_lily88", "好的")]
    # a short message above a WeChat time (no seconds) is not taken for a nick
    assert _turns("<a> 好的\n谢谢\n10:05\n<a> 发货了吗") == [("a", "好的\n谢谢"), ("a", "发货了吗")]
    # and a single copied message loses the client's notes too
    assert strip_headers("tb_lily88 2026-12-01 09:02:11\r\n今天拍明天能发吗\r\n未读") == "今天拍明天能发吗"


def test_the_read_mark_tells_the_shops_messages_apart():
    from assistant.copyfilter import copied_turns
    copied = ("tb_lily88 2026-12-01 09:01:02\n这个被子有货吗\n"
              "小美 2026-12-01 09:01:40\n亲，有货的哦，今天拍今天发\n已读")
    assert copied_turns(copied) == ("这个被子有货吗", [])
    # so do the shop's robot and an automatic reply
    assert copied_turns("tb_lily88 2026-12-01 09:01:02\n在吗\n店小蜜 2026-12-01 09:01:03\n亲，欢迎光临")[0] == "在吗"
    assert copied_turns("tb_lily88 2026-12-01 09:01:02\n在吗\nlily 2026-12-01 09:01:03\n[自动回复]亲，稍等哦")[0] == "在吗"


@pytest.mark.parametrize("copied, message, context", [
    # the customer is whoever sent the newest message
    ("jd_5f8a2c 2026-12-01 10:01:02\n在吗\n客服小美 2026-12-01 10:01:30\n亲，在的\njd_5f8a2c 2026-12-01 10:02:11\n我的快递怎么还没到",
     "我的快递怎么还没到", [("customer", "在吗"), ("agent", "亲，在的")]),
    # ... unless that is a shop sub-account ("店铺:客服"): then the customer's is the one before
    ("tb_lily 2026-12-01 10:01:02\n这个有货吗\n优衣库旗舰店:小美 2026-12-01 10:01:30\n亲，有货的",
     "这个有货吗", []),
    # lines whose sender the copy does not show are not context
    ("帮您看看\njd_5f8a2c 2026-12-01 10:01:02\n好的\njd_5f8a2c 2026-12-01 10:02:11\n那我再等等",
     "那我再等等", [("customer", "好的")]),
])
def test_a_copy_of_several_messages_answers_the_customers_newest(copied, message, context):
    from assistant.copyfilter import copied_turns
    got = copied_turns(copied)
    assert got is not None and got[0] == message
    assert [(t["role"], t["text"]) for t in got[1]] == context


def test_a_reply_the_agent_pasted_marks_its_sender_as_the_agent():
    from assistant.copyfilter import copied_turns
    copied = "jd_5f8a2c 2026-12-01 10:01:02\n发货了吗\n小美 2026-12-01 10:01:30\n亲，您的订单今天下午就发出哦"
    assert copied_turns(copied)[0] == "亲，您的订单今天下午就发出哦"  # without knowing: the newest
    assert copied_turns(copied, pasted=["亲，您的订单今天下午就发出哦"]) == ("发货了吗", [])
    # or the agent's name from the settings in the nick
    assert copied_turns(copied, own_names=["", "小美"]) == ("发货了吗", [])
    assert copied_turns("就一行消息") is None and copied_turns("小王 2026-12-01 10:02:11\n只有一条") is None
    # a customer's own multi-line message with one line that looks like a header stays whole
    assert copied_turns("地址改一下\n收货人张三 2026-12-01\n浙江省杭州市西湖区文三路138号") is None


def test_a_long_copy_keeps_its_last_messages_only_when_it_is_a_chat():
    from assistant.copyfilter import chat_tail
    chat = "".join(f"jd_5f8a2c 2026-12-01 10:{i % 60:02d}:02\n第{i}个问题\n客服小美 2026-12-01 10:{i % 60:02d}:30\n好的{i}\n"
                   for i in range(200))
    tail = chat_tail(chat, 500)
    assert tail is not None and len(tail) <= 500 and chat.endswith(tail)
    assert tail.startswith(("jd_5f8a2c 2026", "客服小美 2026"))  # from a header, not a cut line
    assert chat_tail("很长的日志 " * 500, 500) is None
    assert chat_tail("客服小美 2026-12-01 10:00:30\n" + "一篇长文章。" * 200, 500) is None
