"""The sidebar under real Qt (offscreen): GIVEN a message, WHEN analysed, THEN the panels show it."""
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from ui.app import App  # noqa: E402


@pytest.fixture
def app_ui(qtbot, db_file):
    a = App(db_file)
    qtbot.addWidget(a.window)
    a.start()
    # wait on what the GUI thread shows, not on the worker's cross-thread signal
    qtbot.waitUntil(lambda: "知识库" in a.window.status.text(), timeout=30000)
    yield a
    a.stop()


def test_typing_a_message_shows_ranked_replies_and_panels(qtbot, app_ui):
    w = app_ui.window
    w.input.setPlainText("收到的杯子碎了，怎么办")
    qtbot.waitUntil(lambda: w.replies.count() == 5, timeout=5000)
    assert "破损" in w.chips.text()
    assert w.replies.item(0).text().startswith("1. ")
    assert w.playbook.text() != "—" and "权限" in w.playbook.text()
    assert w.empathy.text() != "—"
    assert "知识库" in w.status.text()


def test_number_key_copies_the_filled_reply(qtbot, app_ui):
    w = app_ui.window
    w.input.setPlainText("订单 2024112312345678 怎么还没发货")
    qtbot.waitUntil(lambda: w.replies.count() > 0, timeout=5000)
    w.replies.setFocus()
    with qtbot.waitSignal(w.reply_picked, timeout=2000) as sig:
        qtbot.keyClick(w.replies, Qt.Key_2)
    expected = w.suggestions.replies[1]["filled"]
    assert sig.args == [expected]
    assert QGuiApplication.clipboard().text() == expected
    assert "已复制" in w.toast.text()


def test_empathy_toggle_prepends_the_opening(qtbot, app_ui):
    w = app_ui.window
    w.input.setPlainText("太失望了 用两天就坏了")
    qtbot.waitUntil(lambda: w.replies.count() > 0, timeout=5000)
    w.empathy_btn.setChecked(True)
    opening = w.suggestions.empathy[0]["text"]
    assert w.final_text(0) == opening + w.suggestions.replies[0]["filled"]


def test_empty_input_clears_the_panels(qtbot, app_ui):
    w = app_ui.window
    w.input.setPlainText("在吗")
    qtbot.waitUntil(lambda: w.replies.count() > 0, timeout=5000)
    w.input.setPlainText("   ")
    qtbot.waitUntil(lambda: w.replies.count() == 0, timeout=5000)
    assert w.chips.text() == ""
