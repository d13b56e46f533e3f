"""The learning module wired into the sidebar (ui/app.py): picks reach usage_events in the real
SQLite database and re-rank the next similar message; the waiting-time label counts; the 统计 menu
entry opens the stats window and a reply created there reloads the engine. Waits are on GUI-thread
state, never on the worker's cross-thread signals."""
import sqlite3

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from assistant.engine import Engine  # noqa: E402


pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|setting window opacity)")

# (an invoice question: its lower replies sit close enough in score for a usage prior to lift one)
LEARN = ["可以开发票吗", "能开发票吗", "你好 能开票吗"]
NEW = "请问可以开发票吗"


def analysed(qtbot, app, message):
    w = app.window
    w.input.setPlainText(message)
    qtbot.waitUntil(lambda: w.suggestions is not None and w.replies.count() > 0
                    and app.usage.text == message, timeout=5000)
    return [r["id"] for r in w.suggestions.replies]


def paste_rank(qtbot, app, n):
    before = app.last_result
    app.window.replies.setFocus()
    qtbot.keyClick(app.window.replies, getattr(Qt, f"Key_{n}"))
    qtbot.waitUntil(lambda: app.job is None and app.last_result is not before, timeout=5000)
    assert app.last_result.ok, app.last_result.message


def rows(db_file, kind):
    con = sqlite3.connect(db_file)
    try:
        return con.execute("SELECT reply_id, rank, intent, conversation, latency_ms FROM usage_events "
                           "WHERE kind=? ORDER BY id", (kind,)).fetchall()
    finally:
        con.close()


def test_picking_a_lower_reply_is_logged_and_ranks_it_higher_next_time(qtbot, app_ui, db_file):
    assert app_ui.engine.learning is not None
    app_ui.window.fold_unsure = False  # the answers in view, as the setting allows, to pick from
    app_ui.engine.worker.engine.SHOW_BELOW = 0.0  # weak replies shown too: the agent needs a lower one to pick
    # the agent keeps choosing a reply the engine does not rank first for any of these messages
    probe = Engine(db_file)
    probe.SHOW_BELOW = 0.0
    ranked = [probe.suggest(m).replies for m in LEARN + [NEW]]
    probe.close()
    lists = [[r["id"] for r in replies] for replies in ranked]
    score = {r["id"]: r["score"] for r in ranked[-1]}
    # (one the agent can paste as it is: a reply with a blank to fill waits for F2)
    blanks = {r["id"] for replies in ranked for r in replies if r["missing"]}
    common = [r for r in lists[-1][1:] if all(r in ids[1:] for ids in lists) and r not in blanks]
    # the lowest such reply that a usage prior (at most 0.25 of a score) can lift past the one above it
    favourite = next(r for r in reversed(common)
                     if score[r] + 0.2 > score[lists[-1][lists[-1].index(r) - 1]])
    first = analysed(qtbot, app_ui, LEARN[0])
    assert first == lists[0]
    # the log keeps the intent the message was read as (the context the pick is learned for),
    # which need not be the intent of the reply picked
    message_intent = app_ui.window.suggestions.analysis.intent
    for n, message in enumerate(LEARN):
        ids = first if n == 0 else analysed(qtbot, app_ui, message)
        assert favourite in ids
        paste_rank(qtbot, app_ui, ids.index(favourite) + 1)

    # the picks are in the real database (the writer thread batches them; flush waits for it)
    assert app_ui.engine.learning.log.flush(5)
    picked = rows(db_file, "picked")
    assert [r[0] for r in picked] == [favourite] * len(LEARN)
    assert picked[0][1] == lists[0].index(favourite) + 1 and picked[0][2] == message_intent
    sent = rows(db_file, "sent")
    assert len(sent) == len(LEARN) and all(r[4] is not None and r[4] >= 0 for r in sent)
    assert all("顾客小王" in r[3] for r in sent)
    assert len(rows(db_file, "received")) == len(LEARN)
    assert len(rows(db_file, "shown")) >= len(LEARN) * 3

    # a new, similar message: the learned reply has climbed (before learning: lists[-1])
    ids = analysed(qtbot, app_ui, NEW)
    before, after = lists[-1].index(favourite), ids.index(favourite)
    assert after < before, (before, after)  # higher; how far depends on the score gaps of the default KB
    assert "常用" in app_ui.window.suggestions.replies[after]["why"]


def test_timer_label_is_visible_counts_and_warns(qtbot, app_ui):
    label = app_ui.window.timer_label
    assert label is not None and label.isVisible()
    assert label.level() == "idle" and "暂无等待" in label.text()
    app_ui.engine.learning.timer.warn_after = 2  # the 30 s target, shortened for the test
    analysed(qtbot, app_ui, "你好，这个杯子能装热水吗")  # its top reply has no blank: key 1 pastes it
    qtbot.waitUntil(lambda: label.level() == "ok" and "顾客等待" in label.text(), timeout=3000)
    qtbot.waitUntil(lambda: label.level() == "late" and "请尽快回复" in label.text(), timeout=5000)
    paste_rank(qtbot, app_ui, 1)  # the reply went out: the clock stops
    qtbot.waitUntil(lambda: label.level() == "idle", timeout=3000)
    assert "接待 1" in label.text()


def test_stats_menu_opens_the_stats_view_and_a_new_reply_reloads_the_engine(qtbot, app_ui, db_file):
    worker = app_ui.engine.worker
    reloads = []
    original = worker.engine.reload
    worker.engine.reload = lambda: (original(), reloads.append(1))
    assert "统计" in [a.text() for a in app_ui.tray.menu.actions()]
    app_ui.tray.stats_action.trigger()
    view = app_ui.stats_view
    assert view is not None
    qtbot.waitUntil(lambda: view.isVisible() and view.report is not None, timeout=10000)
    view.reply_created.emit(12345)
    qtbot.waitUntil(lambda: reloads == [1], timeout=5000)


def test_importing_a_reply_sheet_from_the_tray_reaches_the_sidebar_and_can_be_undone(qtbot, app_ui, db_file,
                                                                                   tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["标题", "问法", "内容"])
    ws.append(["刻字服务", "可以刻字吗|能刻名字吗", "亲，杯身可以免费刻字，最多8个字，下单时备注想刻的内容就行"])
    ws.append(["", "", ""])
    ws.append(["空内容", "", ""])
    wb.save(tmp_path / "快捷短语.xlsx")
    app_ui.tray.import_action.trigger()
    d = app_ui.import_dialog
    qtbot.addWidget(d)
    assert d.isVisible()
    # GIVEN the agent chose the sheet THEN a preview lists the good row and names the skipped one
    with qtbot.waitSignal(d.finished_work, timeout=30000) as sig:
        d.choose(str(tmp_path / "快捷短语.xlsx"))
    assert sig.args == ["preview"] and d.table.rowCount() == 1 and d.import_btn.isEnabled()
    assert "第 4 行" in d.problems.toPlainText()
    assert d.table.item(0, 2).text() == "刻字服务" and "免费刻字" in d.table.item(0, 4).text()
    target = "gift" if d.table.item(0, 1).data(Qt.UserRole) != "gift" else "product_info"
    d.set_intent(0, target)  # the agent corrects the guessed intent in the preview
    assert d.chosen_intents() == {2: target} and "已改" in d.table.item(0, 1).text()
    # WHEN 导入 THEN the sidebar suggests it for a matching message
    with qtbot.waitSignal(d.finished_work, timeout=30000) as sig:
        d.import_btn.click()
    assert sig.args == ["import"] and d.undo_btn.isVisibleTo(d)
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT intent FROM replies WHERE title='刻字服务'").fetchone()[0] == target
    con.close()
    assert _first_title(qtbot, app_ui, "能刻字吗") == "刻字服务"
    # WHEN 撤销这次导入 THEN it is gone again
    with qtbot.waitSignal(d.finished_work, timeout=30000) as sig:
        d.undo_btn.click()
    assert sig.args == ["undo"]
    assert _first_title(qtbot, app_ui, "可以刻字吗 刻名字") != "刻字服务"  # the reload is queued before it
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT count(*) FROM replies WHERE title='刻字服务'").fetchone()[0] == 0
    con.close()


def _first_title(qtbot, app, message):
    """The top reply the sidebar shows for a new message (the engine thread answers in order)."""
    before = app.window.suggestions
    app.window.input.setPlainText(message)
    qtbot.waitUntil(lambda: app.window.suggestions is not None and app.window.suggestions is not before,
                    timeout=5000)
    return app.window.suggestions.replies[0]["title"]


def test_rewriting_a_reply_the_same_way_three_times_offers_to_keep_it(qtbot, app_ui, db_file):
    _rewrite_three_times_and_keep(qtbot, app_ui, db_file)


def test_the_offer_to_keep_a_rewrite_works_in_the_app_as_started(qtbot, db_file, desk, tmp_path, monkeypatch):
    """ui.app.main builds App without a database path (the data dir's knowledge.db): the variant
    check and save must use that database, not open a new one named "None" in the working folder."""
    from ui.app import App
    from assistant.settings import Settings

    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    adapters, _, _ = desk
    app = App(adapters=adapters, settings=Settings())  # as main() builds it
    qtbot.addWidget(app.window)
    qtbot.addWidget(app.popup)
    app.start()
    try:
        qtbot.waitUntil(lambda: "条话术" in app.window.status.text(), timeout=30000)
        _rewrite_three_times_and_keep(qtbot, app, db_file)
    finally:
        app.stop()
    assert not (work / "None").exists()


def _rewrite_three_times_and_keep(qtbot, app_ui, db_file):
    w = app_ui.window
    mine = "亲，这款保温杯可以直接装开水，我们家自己也天天用，放心拍~"
    for n, message in enumerate(["这个杯子能装开水吗", "杯子可以装开水吗", "能装开水吗 这个杯子"]):
        ids = analysed(qtbot, app_ui, message)
        assert ids
        # GIVEN the agent rewrites the first reply (F2) WHEN Ctrl+Enter THEN the rewrite is pasted
        w.replies.setCurrentRow(0)
        w.start_edit(0)
        assert w.editor.isVisibleTo(w) and w.editor.toPlainText()
        w.editor.setPlainText(mine)
        before = app_ui.last_result
        w.paste_edited()
        qtbot.waitUntil(lambda: app_ui.job is None and app_ui.last_result is not before, timeout=5000)
        assert app_ui.last_result.ok and not w.editor.isVisibleTo(w)
        if n < 2:
            assert not w.variant.isVisibleTo(w)
    # the third time the same rewrite: the sidebar offers to keep it (one click)
    qtbot.waitUntil(lambda: w.variant.isVisibleTo(w), timeout=10000)
    assert "改过 3 次" in w.variant.label.text()
    w.variant.save_btn.click()
    assert not w.variant.isVisibleTo(w) and "已存成新话术" in w.toast.text()
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT count(*) FROM replies WHERE source='user' AND text=?", (mine,)).fetchone()[0] == 1
    con.close()
    ids = analysed(qtbot, app_ui, "请问这个杯子能不能装开水")
    assert any(r["text"] == mine for r in w.suggestions.replies)
