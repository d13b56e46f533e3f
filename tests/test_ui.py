"""The sidebar and the app under real Qt (offscreen) with the fake desktop from
assistant.platform.fakes: GIVEN a situation, WHEN the agent acts, THEN what the window shows and
what reaches the (fake) chat window."""
import time

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402


# the offscreen platform cannot raise windows; the always-on-top sidebar asks it to
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|setting window opacity)")

ORIGINAL_CLIP = "坐席自己剪贴板里的东西"  # the desk fixture puts it there


def analysed(qtbot, w, message):
    w.input.setPlainText(message)
    qtbot.waitUntil(lambda: w.replies.count() > 0 and w.suggestions is not None, timeout=5000)


def test_typing_a_message_shows_ranked_replies_and_panels(qtbot, app_ui):
    w = app_ui.window
    analysed(qtbot, w, "收到的杯子碎了，怎么办")
    assert w.replies.count() == len(w.suggestions.replies) >= 2
    assert "破损" in w.chips.text()
    assert w.replies.item(0).text().startswith("1. ")
    assert w.playbook.text() != "—" and "权限" in w.playbook.text()
    assert w.empathy.text() != "—"


def test_a_message_with_two_questions_shows_both(qtbot, app_ui):
    w = app_ui.window
    analysed(qtbot, w, "你好，这款保温杯能装开水吗？容量多大，有没有粉色的？")
    # product questions (开水, 容量) and a stock question (粉色): either may lead; the other is
    # named in a 还问 chip and answered in the second slot
    a = w.suggestions.analysis
    assert {a.intent, *a.also} == {"product_info", "stock"}
    other = a.also[0]
    assert f"还问：{w.intent_names[other]}" in w.chips.texts()
    assert w.replies.item(1).data(Qt.UserRole)["intent"] == other


def test_copying_a_customer_message_updates_the_sidebar_without_stealing_focus(qtbot, app_ui, desk):
    adapters, desktop, chat = desk
    w = app_ui.window
    # GIVEN the chat window is in front WHEN the agent copies the customer's message there
    adapters.clipboard.copy_from_elsewhere("订单 2024112312345678 怎么还没发货")
    # THEN the sidebar shows it, analysed, and the chat keeps the focus
    qtbot.waitUntil(lambda: w.replies.count() > 0, timeout=5000)
    assert w.input.toPlainText() == "订单 2024112312345678 怎么还没发货"
    assert "订单：2024112312345678" in w.chips.texts()
    assert desktop.foreground == chat.info.handle
    assert w.testAttribute(Qt.WA_ShowWithoutActivating)
    assert w.windowFlags() & Qt.WindowStaysOnTopHint and w.windowFlags() & Qt.FramelessWindowHint
    assert "千牛" in w.title.platform.text()


def test_number_key_pastes_the_reply_into_the_chat_and_restores_the_clipboard(qtbot, app_ui, desk):
    adapters, desktop, chat = desk
    w = app_ui.window
    analysed(qtbot, w, "收到的杯子碎了，怎么办")
    expected = w.final_text(1)
    w.replies.setFocus()
    with qtbot.waitSignal(app_ui.reply_pasted, timeout=5000) as used:
        qtbot.keyClick(w.replies, Qt.Key_2)
    assert app_ui.last_result.ok, app_ui.last_result.message
    assert chat.input == expected
    assert adapters.clipboard.text() == ORIGINAL_CLIP
    assert "已粘贴到千牛" in w.toast.text()
    # the learning log hears which reply was used, where, and whether it was changed
    meta = used.args[0]
    assert meta["reply_id"] == w.suggestions.replies[1]["id"] and meta["rank"] == 2
    assert meta["source"] == "sidebar" and meta["platform"] == "qianniu" and meta["text"] == expected


def test_paste_waits_for_the_hotkey_modifiers_to_be_released(qtbot, app_ui, desk):
    adapters, _, chat = desk
    w = app_ui.window
    analysed(qtbot, w, "在吗")
    adapters.injector.held = {"alt"}  # the agent still holds Alt
    w.pick(0)
    qtbot.wait(100)  # nothing may be pasted while Alt is down
    assert chat.input == "" and "ctrl+v" not in adapters.injector.keys
    adapters.injector.held = set()
    qtbot.waitUntil(lambda: app_ui.last_result is not None, timeout=5000)
    assert chat.input == w.final_text(0)


def test_paste_aborts_when_the_chat_window_cannot_be_brought_to_front(qtbot, app_ui, desk):
    adapters, desktop, chat = desk
    w = app_ui.window
    analysed(qtbot, w, "在吗")
    chat.refuses_focus = True
    desktop.open("记事本", "notepad.exe")  # something else came to the front
    w.pick(0)
    qtbot.waitUntil(lambda: app_ui.last_result is not None, timeout=5000)
    assert not app_ui.last_result.ok
    assert "没能切到前台" in w.toast.text()
    assert chat.input == "" and "ctrl+v" not in adapters.injector.keys
    assert adapters.clipboard.text() == ORIGINAL_CLIP


def test_missing_variables_are_highlighted_and_must_be_filled_before_pasting(qtbot, app_ui, desk):
    _, _, chat = desk
    w = app_ui.window
    analysed(qtbot, w, "我的快递到哪了")
    rows = [i for i, r in enumerate(w.suggestions.replies) if r["missing"]]
    assert rows, "expected a reply that needs the order number"
    row = rows[0]
    name = w.suggestions.replies[row]["missing"][0]
    w.replies.setCurrentRow(row)
    field = w.vars.fields[name]
    assert field.property("missing") is True
    assert "待填" in w.replies.item(row).text()
    # WHEN the agent picks it without filling THEN nothing is pasted and the field is pointed at
    w.pick(row)
    assert "请先填写" in w.toast.text() and chat.input == ""
    # WHEN the agent fills the field THEN the highlight goes and the value is in the pasted text
    field.setText("998877")
    field.textEdited.emit("998877")
    assert field.property("missing") is False
    assert "998877" in w.final_text(row)
    w.pick(row)
    qtbot.waitUntil(lambda: app_ui.last_result is not None, timeout=5000)
    assert "998877" in chat.input


def test_empathy_key_prepends_the_opening(qtbot, app_ui):
    w = app_ui.window
    analysed(qtbot, w, "太失望了 用两天就坏了")
    w.replies.setFocus()
    qtbot.keyClick(w.replies, Qt.Key_E)
    assert w.empathy_btn.isChecked()
    opening = w.suggestions.empathy[0]["text"]
    assert w.final_text(0) == opening + w.suggestions.replies[0]["filled"]
    assert w.replies.item(0).text().startswith("1. " + opening)


def test_a_reply_with_a_banned_word_is_held_back_until_the_agent_decides(qtbot, app_ui, desk):
    _, _, chat = desk
    w = app_ui.window
    app_ui.request_paste("我们家是全网最好的，加微信返现")
    assert w.banned.isVisible()
    assert "违禁词" in w.banned.label.text()
    assert chat.input == ""
    qtbot.mouseClick(w.banned.use_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: app_ui.last_result is not None, timeout=5000)
    assert chat.input and "全网最好" not in chat.input
    assert not w.banned.isVisible()


def test_own_pastes_huge_and_non_text_clipboards_are_not_analysed(qtbot, app_ui, desk):
    adapters, _, chat = desk
    w = app_ui.window
    analysed(qtbot, w, "在吗")
    first = w.suggestions
    w.pick(0)
    qtbot.waitUntil(lambda: app_ui.last_result is not None, timeout=5000)
    assert w.suggestions is first  # our paste and restore did not re-analyse anything
    adapters.clipboard.copy_from_elsewhere(None, {"image/png": b"\x89PNG"})
    assert "不是文字" in w.status.text()
    adapters.clipboard.copy_from_elsewhere("很长的日志 " * 500)
    assert "太长" in w.status.text()
    # a password manager marks what it copies: never analysed, shown or logged
    adapters.clipboard.copy_from_elsewhere("Tb#2024shop", {"x-kde-passwordManagerHint": b"secret"})
    assert "隐私" in w.status.text() and "Tb#2024shop" not in w.input.toPlainText()
    assert w.suggestions is first


def test_grab_hotkey_copies_the_selection_and_restores_the_clipboard(qtbot, app_ui, desk):
    adapters, _, chat = desk
    w = app_ui.window
    chat.selection = "衣服尺码偏大吗 我平时穿M"
    assert adapters.hotkeys.tap("alt+w")
    qtbot.waitUntil(lambda: w.replies.count() > 0, timeout=5000)
    assert w.input.toPlainText() == "衣服尺码偏大吗 我平时穿M"
    assert adapters.clipboard.text() == ORIGINAL_CLIP
    assert not adapters.hotkeys.tap("ctrl+alt+w")  # exact modifiers only


def test_search_popup_pastes_into_the_window_that_was_active_before(qtbot, app_ui, desk):
    adapters, desktop, chat = desk
    p = app_ui.popup
    assert adapters.hotkeys.tap("alt+q")
    qtbot.waitUntil(p.isVisible, timeout=2000)
    p.edit.setText("thh")
    qtbot.waitUntil(lambda: p.results.count() > 0, timeout=5000)
    chosen = p.results.item(1).data(Qt.UserRole + 1)
    qtbot.keyClick(p.edit, Qt.Key_Down)
    qtbot.keyClick(p.edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: app_ui.last_result is not None, timeout=5000)
    assert not p.isVisible()
    assert app_ui.last_result.ok, app_ui.last_result.message
    assert chat.input == chosen
    assert adapters.clipboard.text() == ORIGINAL_CLIP


def test_escape_closes_the_popup_and_gives_the_focus_back(qtbot, app_ui, desk):
    adapters, desktop, chat = desk
    p = app_ui.popup
    adapters.hotkeys.tap("alt+q")
    qtbot.waitUntil(p.isVisible, timeout=2000)
    desktop.foreground = None  # the popup has the focus now
    qtbot.keyClick(p.edit, Qt.Key_Escape)
    assert not p.isVisible()
    assert desktop.foreground == chat.info.handle
    assert chat.input == ""


def test_long_entities_wrap_instead_of_widening_the_sidebar(qtbot, app_ui):
    w = app_ui.window
    w.resize(280, 700)
    analysed(qtbot, w, "订单号 20241123123456789012 和 20241124123456789013 都没发货 电话 13812345678")
    qtbot.waitUntil(lambda: len(w.chips.texts()) >= 5, timeout=5000)
    chips = [w.chips.flow.itemAt(i).widget() for i in range(w.chips.flow.count())]
    # the layout runs on the event loop: wait until the chips are placed (shown, on several rows)
    qtbot.waitUntil(lambda: all(c.isVisible() for c in chips) and len({c.y() for c in chips}) >= 2, timeout=3000)
    assert w.width() <= 300
    for c in chips:
        assert c.geometry().right() <= w.chips.width(), c.full_text
    assert all(c.text() == c.full_text for c in chips if len(c.full_text) <= 6)  # short ones not elided


def test_compact_mode_and_dock_sides(qtbot, app_ui):
    w = app_ui.window
    qtbot.mouseClick(w.title.compact_btn, Qt.LeftButton)
    assert w.compact and not w.detail.isVisible() and app_ui.settings.compact
    w.dock("left")
    avail = w.screen().availableGeometry()
    assert w.x() == avail.left() and w.height() == avail.height()
    w.dock("right")
    assert w.geometry().right() == avail.right()
    w.resize(300, w.height())
    w.dock("beside", (avail.left() + 20, avail.top() + 30, 200, 400))  # room on its right
    assert w.x() == avail.left() + 220 and w.y() == avail.top() + 30 and w.height() == 400


def test_empty_input_clears_the_panels(qtbot, app_ui):
    w = app_ui.window
    analysed(qtbot, w, "在吗")
    w.input.setPlainText("   ")
    qtbot.waitUntil(lambda: w.replies.count() == 0, timeout=5000)
    assert w.chips.text() == ""


def test_switching_chats_puts_the_sidebar_back_on_top_without_taking_the_focus(qtbot, app_ui, desk):
    adapters, desktop, chat = desk
    own = int(app_ui.window.winId())
    adapters.active_window.on_top.clear()
    # WHEN the agent switches to another chat client
    other = desktop.open("微信", "WeChat.exe")
    app_ui.poll_active()
    # THEN the sidebar's topmost place is re-asserted at once, and the chat keeps the focus
    assert adapters.active_window.on_top == [own]
    assert desktop.foreground == other.info.handle
    app_ui.poll_active()  # same window, within a few seconds: nothing more to do
    assert adapters.active_window.on_top == [own]


def test_hotkeys_are_registered_again_after_sleep_or_when_the_listener_died(qtbot, app_ui, desk):
    adapters, _, _ = desk
    hot = adapters.hotkeys
    app_ui._poll.stop()  # the test drives the clock
    t0 = time.time()
    assert app_ui.watch_hotkeys(now=t0) is False  # polled moments ago: all well
    assert app_ui.watch_hotkeys(now=t0 + 1) is False
    hot.unregister_all()  # what a resume from sleep can do to a low-level hook
    assert not hot.tap("alt+q")
    # WHEN a poll comes 10 minutes after the last one (the PC slept)
    assert app_ui.watch_hotkeys(now=t0 + 601) is True
    # THEN the hotkeys work again
    assert hot.tap("alt+q")
    qtbot.waitUntil(lambda: app_ui.popup.isVisible(), timeout=3000)
    app_ui.popup.close()
    hot.stop()  # the listener thread died
    assert app_ui.watch_hotkeys(now=t0 + 602) is True and hot.alive()
    app_ui.set_paused(True)  # paused on purpose: left alone
    assert app_ui.watch_hotkeys(now=t0 + 2000) is False and not hot.alive()
    app_ui.set_paused(False)


def test_key_0_pastes_the_hold_line_shown_above_unsure_answers(qtbot, app_ui, desk, db_file):
    from assistant.engine import Engine

    adapters, _, chat = desk
    w = app_ui.window
    eng = Engine(db_file)
    eng.HOLD_BELOW = 10.0  # every order question is "unsure": the line must show
    s = eng.suggest("买的东西有问题")
    eng.close()
    assert s.hold is not None
    w.show_suggestions(s)
    assert w.hold.isVisible() and w.hold.text() == "0. 先回复：" + s.hold["filled"]
    w.replies.setFocus()
    with qtbot.waitSignal(app_ui.reply_pasted, timeout=5000) as used:
        qtbot.keyClick(w.replies, Qt.Key_0)
    assert chat.input == s.hold["filled"]
    assert used.args[0]["reply_id"] == s.hold["id"] and used.args[0]["rank"] == 0
    # E puts the empathy opening before it too, on screen and in what is pasted
    qtbot.keyClick(w.replies, Qt.Key_E)
    opening = s.empathy[0]["text"]
    assert w.hold.text() == "0. 先回复：" + opening + s.hold["filled"]
    with qtbot.waitSignal(app_ui.reply_pasted, timeout=5000):
        qtbot.keyClick(w.replies, Qt.Key_0)
    assert chat.input.endswith(opening + s.hold["filled"])
    qtbot.keyClick(w.replies, Qt.Key_E)
    # a message without the line hides it, and 0 does nothing
    w.input.setPlainText("你们什么态度 我要投诉")
    qtbot.waitUntil(lambda: w.suggestions is not s and w.replies.count() > 0, timeout=5000)
    assert w.suggestions.analysis.intent == "complaint"  # an apology answers it, not a lookup
    assert w.suggestions.hold is None and not w.hold.isVisible()


def test_folded_answers_show_on_g_and_digits_paste_nothing_unseen(qtbot, app_ui, desk, db_file):
    """Answers the ranker is unsure of are folded under the 先回复 line: a grey line says so, 1–9
    paste nothing the agent has not seen, 0 still pastes the holding reply, G (or a click on the
    grey line) shows the answers and then 1 pastes the first."""
    from assistant.engine import Engine

    adapters, _, chat = desk
    w = app_ui.window
    eng = Engine(db_file)
    eng.HOLD_BELOW = eng.FOLD_BELOW = 10.0  # every order question is unsure: folded
    s = eng.suggest("买的东西有问题")
    eng.close()
    assert s.folded and len(s.replies) > 1
    w.show_suggestions(s)
    assert w.hold.isVisible() and w.replies.count() == 1
    assert w.replies.item(0).text() == w.FOLDED_TEXT and w.replies.currentRow() == -1
    assert app_ui.debug_state()["replies"] == [] and app_ui.debug_state()["folded"] is True
    before = chat.input
    w.replies.setFocus()
    qtbot.keyClick(w.replies, Qt.Key_1)
    qtbot.wait(200)
    assert chat.input == before and "收起" in w.toast.text()
    w.start_edit(0)
    assert not w.editor.isVisible()
    with qtbot.waitSignal(app_ui.reply_pasted, timeout=5000):
        qtbot.keyClick(w.replies, Qt.Key_0)
    assert chat.input == s.hold["filled"]
    w.input.setFocus()  # typing a G into the message box stays text
    w.input.blockSignals(True)
    qtbot.keyClick(w.input, Qt.Key_G)
    w.input.blockSignals(False)
    assert w.folded and w.input.toPlainText().lower().endswith("g")
    qtbot.keyClick(w.replies, Qt.Key_G)
    assert w.replies.count() == len(s.replies) and w.replies.currentRow() == 0
    assert w.replies.item(0).text().startswith("1. ")
    with qtbot.waitSignal(app_ui.reply_pasted, timeout=5000) as used:
        qtbot.keyClick(w.replies, Qt.Key_1)
    assert chat.input.endswith(s.replies[0]["filled"]) and used.args[0]["rank"] == 1
    # a click on the grey line unfolds too (and activating it, Enter or a double click)
    w.show_suggestions(s)
    assert w.replies.count() == 1
    rect, before = w.replies.visualItemRect(w.replies.item(0)), chat.input
    qtbot.mouseClick(w.replies.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.wait(200)
    assert w.replies.count() == len(s.replies) and chat.input == before  # shown, nothing pasted
    w.show_suggestions(s)
    w.replies.itemActivated.emit(w.replies.item(0))
    assert w.replies.count() == len(s.replies)
    # folding switched off in 设置: every answer shows at once
    w.fold_unsure = False
    w.show_suggestions(s)
    assert w.replies.count() == len(s.replies) and w.replies.currentRow() == 0
    w.fold_unsure = True


def test_a_short_follow_up_copied_in_the_same_chat_is_read_with_the_message_before(qtbot, app_ui, desk):
    adapters, desktop, chat = desk
    w = app_ui.window

    def copied(text):
        adapters.clipboard.copy_from_elsewhere(text)
        qtbot.waitUntil(lambda: app_ui._message == text and w.suggestions is not None
                        and w.suggestions.analysis is not None and w.input.toPlainText() == text, timeout=5000)

    # GIVEN the agent copied the customer's question in this chat and pasted a reply to it
    copied("快递到哪了，怎么一直不动")
    assert app_ui._context == []
    ready = next(k for k, r in enumerate(w.suggestions.replies) if not r.get("missing"))  # nothing to fill in
    w.replies.setFocus()
    with qtbot.waitSignal(app_ui.reply_pasted, timeout=5000):
        qtbot.keyClick(w.replies, Qt.Key_1 + ready)
    pasted = chat.input
    # WHEN the follow-up is copied
    copied("那我再等等")
    # THEN it is read with the question and the reply before it (alone it reads as a stock question)
    assert app_ui._context == [{"role": "customer", "text": "快递到哪了，怎么一直不动"},
                               {"role": "agent", "text": pasted}]
    qtbot.waitUntil(lambda: w.suggestions.analysis.intent == "logistics", timeout=5000)
    assert "结合本窗口刚才的 2 条消息" in w.status.text()
    # a copy in another chat window starts afresh
    other = desktop.open("微信", "WeChat.exe")
    copied("好的 那我再等等")
    assert app_ui._context == []
    # and the agent can switch it off
    adapters.active_window.activate(chat.info)
    app_ui.settings.remember_context = False
    copied("还是没动")
    assert app_ui._context == [] and desktop.foreground == chat.info.handle != other.info.handle


def test_several_messages_copied_with_headers_answer_the_customers_newest(qtbot, app_ui, desk):
    """千牛 / 咚咚 copy a selection of several messages with each sender's nick and time: the
    sidebar answers the customer's newest message and reads it with the turns above, instead of
    reading the agent's own words as the customer's."""
    adapters, desktop, chat = desk
    w = app_ui.window
    block = ("jd_5f8a2c 2026-12-01 10:01:02\n我上周买的被子还没收到\n"
             "客服小美 2026-12-01 10:01:40\n亲，这边帮您查一下物流哦\n"
             "jd_5f8a2c 2026-12-01 10:02:11\n都一个星期了")
    adapters.clipboard.copy_from_elsewhere(block)
    qtbot.waitUntil(lambda: w.input.toPlainText() == "都一个星期了" and w.suggestions is not None
                    and w.suggestions.analysis is not None, timeout=5000)
    assert app_ui._message == "都一个星期了"
    assert app_ui._context == [{"role": "customer", "text": "我上周买的被子还没收到"},
                               {"role": "agent", "text": "亲，这边帮您查一下物流哦"}]
    assert w.suggestions.analysis.intent in ("logistics", "delivery_problem")
    assert "结合复制的前 2 条消息" in w.status.text()
    # the turns are remembered for a short follow-up copied alone next
    adapters.clipboard.copy_from_elsewhere("能不能快点")
    qtbot.waitUntil(lambda: w.input.toPlainText() == "能不能快点" and bool(app_ui._context), timeout=5000)
    assert [t["text"] for t in app_ui._context][-3:] == ["我上周买的被子还没收到", "亲，这边帮您查一下物流哦", "都一个星期了"]


def test_an_order_number_fills_replies_from_a_copied_block_but_not_from_the_windows_memory(qtbot, app_ui, desk):
    """A copied block is one customer's conversation: the order number they gave above fills the
    replies. Turns remembered per window title may be another customer's: no number from them."""
    adapters, desktop, chat = desk
    w = app_ui.window

    def copied(text, shown):
        before = w.suggestions
        adapters.clipboard.copy_from_elsewhere(text)
        qtbot.waitUntil(lambda: w.input.toPlainText() == shown and w.suggestions is not before
                        and w.suggestions.analysis is not None and app_ui._message == shown, timeout=5000)

    copied("jd_5f8a2c 2026-12-01 10:01:02\n订单号 3254857712345678\n"
           "客服小美 2026-12-01 10:01:40\n好的亲，请问有什么可以帮您\n"
           "jd_5f8a2c 2026-12-01 10:02:11\n发货了吗", "发货了吗")
    assert w.suggestions.values.get("order_no") == "3254857712345678"
    # the next customer in the same window asks a short question: read with the remembered turns,
    # filled with nothing from them
    copied("查下到哪了", "查下到哪了")
    assert any("3254857712345678" in t["text"] for t in app_ui._context)
    assert "order_no" not in w.suggestions.values
    assert all("3254857712345678" not in w.final_text(i) for i in range(w.replies.count()))


def test_a_whole_conversation_copied_is_read_from_its_last_messages(qtbot, app_ui, desk):
    """Ctrl+A, Ctrl+C in 千牛's chat history copies the whole conversation, far over the length a
    message may have: its last messages are taken instead of refusing it as too long."""
    adapters, _, _ = desk
    w = app_ui.window
    history = "".join(f"tb_lily88 2026-12-01 09:{i % 60:02d}:02\r\n第{i}件衣服有没有M码\r\n"
                      f"优品服饰:小美 2026-12-01 09:{i % 60:02d}:30\r\n亲，第{i}件有的哦\r\n已读\r\n" for i in range(80))
    history += "tb_lily88 2026-12-01 10:30:00\r\n好的，那今天能发货吗"
    assert len(history) > app_ui.settings.max_clip_chars
    adapters.clipboard.copy_from_elsewhere(history)
    qtbot.waitUntil(lambda: w.input.toPlainText() == "好的，那今天能发货吗" and w.suggestions is not None
                    and w.suggestions.analysis is not None, timeout=5000)
    assert app_ui._context[-1] == {"role": "agent", "text": "亲，第79件有的哦"}
    assert "太长" not in w.status.text()
