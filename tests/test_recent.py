"""A short copied follow-up is read with the same chat's messages copied just before
(assistant/recent.py); the sidebar wiring is tested in tests/test_ui.py."""
from assistant.engine import Conversation
from assistant.recent import MAX_TURNS, WINDOW_S, RecentMessages


def test_a_short_follow_up_gets_the_same_chats_recent_messages_oldest_first():
    r = RecentMessages()
    r.add("千牛 - 小王", "我买的耳机怎么还没发货", 100.0)
    r.add("千牛 - 小王", "订单是上周五拍的", 130.0)
    r.add("千牛 - 小李", "这件有黑色吗", 140.0)
    assert r.context("千牛 - 小王", "都三天了", 160.0) == [
        {"role": "customer", "text": "我买的耳机怎么还没发货"}, {"role": "customer", "text": "订单是上周五拍的"}]
    assert r.context("千牛 - 小李", "都三天了", 160.0) == [{"role": "customer", "text": "这件有黑色吗"}]
    assert r.context("微信", "都三天了", 160.0) == []  # a chat nothing was copied from
    assert r.context("", "都三天了", 160.0) == []  # no window title: no way to tell chats apart


def test_old_messages_long_messages_and_the_message_itself_are_not_context():
    r = RecentMessages()
    r.add("c", "我买的耳机怎么还没发货", 0.0)
    assert r.context("c", "都三天了", WINDOW_S + 1) == []  # the chat has moved on
    r.add("c", "我买的耳机怎么还没发货", 1000.0)
    # a long message stands on its own: another customer's context would cost it more than it gains
    assert r.context("c", "你好，我想问一下这款耳机的续航大概是多少个小时，能连两台手机吗", 1010.0) == []
    r.add("c", "都三天了", 1020.0)
    r.add("c", "都三天了", 1030.0)  # copied twice: once, and never its own context
    assert r.context("c", "都三天了", 1040.0) == [{"role": "customer", "text": "我买的耳机怎么还没发货"}]


def test_replies_the_agent_pasted_into_the_chat_are_the_agents_turns():
    r = RecentMessages()
    r.add("c", "快递到哪了", 0.0)
    r.add("c", "亲，物流暂时没更新，我这就帮您催查", 20.0, role="agent")
    assert r.context("c", "那我再等等", 40.0) == [{"role": "customer", "text": "快递到哪了"},
                                                 {"role": "agent", "text": "亲，物流暂时没更新，我这就帮您催查"}]


def test_only_the_last_few_messages_are_kept_and_forget_drops_them():
    r = RecentMessages()
    for i in range(6):
        r.add("c", f"第{i}条消息", float(i))
    assert [t["text"] for t in r.context("c", "好的", 10.0)] == [f"第{i}条消息" for i in range(6 - MAX_TURNS, 6)]
    r.forget("c")
    assert r.context("c", "好的", 10.0) == []


def test_the_context_turns_a_bare_follow_up_into_the_chats_question(engine):
    """The chat's earlier copy makes 那我再等等 a logistics turn. Saying one will wait means the
    agent has answered (perhaps typed straight into the chat client), so a plain 好的 comes first
    and the parcel replies follow it."""
    alone = engine.suggest("那我再等等").analysis
    r = RecentMessages()
    r.add("千牛", "快递到哪了，怎么一直不动", 0.0)
    s = engine.suggest(Conversation.of("那我再等等", r.context("千牛", "那我再等等", 30.0)))
    assert s.analysis.intent == "logistics" != alone.intent
    assert s.replies[0]["code"] == engine._tagged_reply("确认")["code"]
    assert s.replies[1]["intent"] == "logistics"
    follow = engine.suggest(Conversation.of("还是没动", r.context("千牛", "还是没动", 30.0)))
    assert follow.analysis.intent == "logistics" and follow.replies[0]["intent"] == "logistics"
