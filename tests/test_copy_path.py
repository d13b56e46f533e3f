"""The copy path (issue 13): chat-client headers are stripped before analysis; Alt+W takes a
selection the client had already copied; a copy that is no customer message leaves the
suggestions as they are. Real Qt (offscreen), fake desktop."""
import pytest

from assistant.copyfilter import not_a_message

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|setting window opacity)")


@pytest.mark.parametrize("text", ["3254857712345678", "SF1234567890", "订单号：3254857712345678"[4:],
                                  " 1385-1234-567 ", "#20241123-0001"])
def test_bare_numbers_are_not_customer_messages(text):
    assert "单号" in not_a_message(text)


@pytest.mark.parametrize("text", ["订单号 3254857712345678 怎么还没发货", "在吗", "M码", "12"])
def test_messages_with_words_are(text):
    assert not_a_message(text) is None


def test_the_agents_own_replies_are_not_customer_messages():
    reply = "亲，非常抱歉给您带来不好的体验，麻烦拍一下破损的照片发给我们"
    assert "刚发出" in not_a_message(reply, pasted=[reply])
    assert "刚发出" in not_a_message(reply[3:20], pasted=[reply])  # part of it, copied from the chat
    assert "侧栏" in not_a_message(reply, own=[reply])
    assert not_a_message("杯子碎了怎么办", own=[reply], pasted=[reply]) is None


def test_a_copy_with_the_clients_header_is_analysed_without_it(qtbot, app_ui, desk):
    adapters, _, _ = desk
    adapters.clipboard.copy_from_elsewhere("小王 2026-12-01 10:02:11\n订单 2024112312345678 怎么还没发货")
    qtbot.waitUntil(lambda: app_ui.window.replies.count() > 0, timeout=5000)
    assert app_ui.window.input.toPlainText() == "订单 2024112312345678 怎么还没发货"
    adapters.clipboard.copy_from_elsewhere("<xiaowang> 能便宜点吗")
    qtbot.waitUntil(lambda: app_ui.window.input.toPlainText() == "能便宜点吗", timeout=5000)


def test_copying_an_order_number_keeps_the_suggestions(qtbot, app_ui, desk):
    adapters, _, _ = desk
    w = app_ui.window
    adapters.clipboard.copy_from_elsewhere("收到的杯子碎了，怎么办")
    qtbot.waitUntil(lambda: w.replies.count() > 0, timeout=5000)
    shown = [w.final_text(i) for i in range(w.replies.count())]
    adapters.clipboard.copy_from_elsewhere("3254857712345678")  # from the back office
    qtbot.wait(200)
    assert w.input.toPlainText() == "收到的杯子碎了，怎么办"
    assert [w.final_text(i) for i in range(w.replies.count())] == shown
    assert "单号" in w.status.text()


def test_copying_back_a_reply_just_pasted_keeps_the_suggestions(qtbot, app_ui, desk):
    adapters, _, chat = desk
    w = app_ui.window
    adapters.clipboard.copy_from_elsewhere("你好，这个杯子能装热水吗")
    qtbot.waitUntil(lambda: w.replies.count() > 0, timeout=5000)
    with qtbot.waitSignal(app_ui.reply_pasted, timeout=5000):
        w.pick(0)
    sent = chat.input
    adapters.clipboard.copy_from_elsewhere(sent)  # the agent copies their own message in the chat
    qtbot.wait(200)
    assert w.input.toPlainText() == "你好，这个杯子能装热水吗"
    assert "刚发出的回复" in w.status.text()


def test_alt_w_takes_a_selection_the_client_had_already_copied(qtbot, app_ui, desk):
    adapters, _, chat = desk
    chat.auto_copy = True
    chat.select("这件衣服尺码偏大吗 我平时穿M", adapters.clipboard)  # auto-copied on select …
    qtbot.waitUntil(lambda: app_ui.window.input.toPlainText() == "这件衣服尺码偏大吗 我平时穿M", timeout=5000)
    app_ui.window.set_message("")
    adapters.hotkeys.tap("alt+w")  # … so Ctrl+C changes nothing
    qtbot.waitUntil(lambda: app_ui.last_result is not None and app_ui.job is None, timeout=5000)
    assert app_ui.last_result.ok, app_ui.last_result.message
    assert "selection already copied" in [s for s, _ in app_ui.last_result.steps]
    assert app_ui.window.input.toPlainText() == "这件衣服尺码偏大吗 我平时穿M"


def test_alt_w_with_nothing_selected_still_says_so(qtbot, app_ui, desk):
    adapters, _, chat = desk
    adapters.hotkeys.tap("alt+w")
    qtbot.waitUntil(lambda: app_ui.last_result is not None and app_ui.job is None, timeout=5000)
    assert not app_ui.last_result.ok and "没有取到文字" in app_ui.last_result.message
