"""The stats window and the response-timer label under real Qt (offscreen), on a real database."""
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402

from assistant.db import connect  # noqa: E402
from assistant.response_time import ResponseTimer  # noqa: E402
from ui.response_timer import ResponseTimerLabel  # noqa: E402
from ui.stats_view import BarChart, StatsView  # noqa: E402
from usage_data import GAP_FAMILIES, fill_usage_log  # noqa: E402


@pytest.fixture
def filled(engine, db_file):
    counts = fill_usage_log(engine, db_file, days=7, per_day=20)
    return db_file, counts


@pytest.fixture
def view(qtbot, filled):
    db_file, _ = filled
    v = StatsView(db_file)
    qtbot.addWidget(v)
    v.show()
    with qtbot.waitSignal(v.loaded, timeout=30000):
        v.load()
    return v


def test_the_window_shows_cards_charts_and_tables(view, filled):
    _, counts = filled
    r = view.report
    assert view.cards["messages"].value.text() == str(counts["messages"])
    assert "%" in view.cards["answered"].value.text()
    assert view.cards["avg"].value.text().endswith("秒")
    assert len(view.top_chart.rows) == min(8, len(r["top_replies"])) > 0
    assert view.resp_chart.marker == 30 and len(view.resp_chart.rows) >= 7
    assert view.top_table.rowCount() == len(r["top_replies"])
    assert view.top_table.item(0, 1).text() == r["top_replies"][0]["title"]
    assert view.unused_table.rowCount() == r["unused_count"]
    assert view.intent_table.rowCount() == len(r["intents"])
    assert view.resp_table.rowCount() == len(r["response"]["days"])
    family_examples = {q for qs in GAP_FAMILIES.values() for q in qs}
    assert view.gap_table.rowCount() == len(r["gaps"]) >= 4
    assert {view.gap_table.item(i, 0).text() for i in range(4)} <= family_examples
    assert all(view.gap_table.cellWidget(i, 6).text() == "新建话术" for i in range(view.gap_table.rowCount()))
    assert "还没有使用记录" not in view.status.text()


def test_export_buttons_write_the_report_and_the_gap_list(view, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    target = tmp_path / "周报.xlsx"
    monkeypatch.setattr(view, "_ask_save_path", lambda default: str(target))
    view.export_btn.click()
    assert load_workbook(target).sheetnames == ["概览", "常用话术", "未用话术", "意图", "响应时间", "知识缺口"]
    assert str(target) in view.status.text()
    gaps = tmp_path / "缺口"  # no suffix: saved as .xlsx
    monkeypatch.setattr(view, "_ask_save_path", lambda default: str(gaps))
    view.gap_export_btn.click()
    wb = load_workbook(gaps.with_suffix(".xlsx"))
    assert wb.sheetnames == ["知识缺口"] and wb["知识缺口"].max_row == len(view.report["gaps"]) + 1
    monkeypatch.setattr(view, "_ask_save_path", lambda default: "")  # cancelled: nothing happens
    assert view.export() is None


def test_create_a_reply_from_a_gap(qtbot, view, db_file):
    gap = view.report["gaps"][0]
    dlg = view.create_reply(0, modal=False)
    qtbot.addWidget(dlg)
    assert dlg.triggers.toPlainText().splitlines() == gap["messages"]
    dlg.save_btn.click()  # empty text: refused with a message, nothing saved
    assert "不能为空" in dlg.error.text() and dlg.reply_id is None
    dlg.intent.setCurrentIndex(dlg.intent.findData("shipping_method"))
    dlg.body.setPlainText("{顾客称呼}，这个可以安排的，具体我帮您确认一下。")
    with qtbot.waitSignal(view.reply_created, timeout=5000) as sig:
        dlg.save_btn.click()
    rid = sig.args[0]
    conn = connect(db_file)
    row = conn.execute("SELECT source, intent FROM replies WHERE id=?", (rid,)).fetchone()
    trig = [r[0] for r in conn.execute("SELECT text FROM triggers WHERE reply_id=?", (rid,))]
    conn.close()
    assert tuple(row) == ("user", "shipping_method") and trig == gap["messages"]
    btn = view.gap_table.cellWidget(0, 6)
    assert btn.text() == "已建话术" and not btn.isEnabled()


def test_changing_the_period_reloads(qtbot, view):
    all_msgs = view.report["messages"]
    with qtbot.waitSignal(view.loaded, timeout=30000) as sig:
        view.period.setCurrentIndex(view.period.findData("today"))
    assert sig.args[0]["messages"] <= all_msgs
    assert view.since() is not None
    with qtbot.waitSignal(view.loaded, timeout=30000):
        view.period.setCurrentIndex(view.period.findData("all"))
    assert view.since() is None and view.report["since"] is None


def test_an_empty_log_says_so(qtbot, db_file):
    v = StatsView(db_file)
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.loaded, timeout=30000):
        v.load()
    assert "还没有使用记录" in v.status.text()
    assert v.top_chart.rows == [] and v.gap_table.rowCount() == 0


def test_bar_chart_elides_long_labels_and_maps_rows(qtbot):
    chart = BarChart("测试")
    qtbot.addWidget(chart)
    chart.resize(300, 200)
    chart.set_data([("一个非常非常非常非常非常非常长的话术标题", 10, "10 条"), ("短", 2, "2 条")],
                   marker=5, marker_label="目标")
    img = chart.grab().toImage()
    assert not img.isNull()
    colors = {img.pixelColor(x, y).name() for x in range(0, 300, 3) for y in range(0, 120, 3)}
    assert QColor("#e53935").name() in colors  # the bar over the marker is red
    _, row_h, top, *_ = chart._layout()
    assert chart.row_at(top + 1) == 0 and chart.row_at(top + row_h + 1) == 1 and chart.row_at(0) is None


def test_response_timer_label_changes_colour_and_can_be_marked_answered(qtbot):
    now = [1000.0]
    timer = ResponseTimer(warn_after=30, clock=lambda: now[0])
    label = ResponseTimerLabel(timer, "张三")
    qtbot.addWidget(label)
    assert label.level() == "idle" and "暂无等待" in label.text()
    timer.message_arrived("张三")
    now[0] += 25
    with qtbot.waitSignal(label.level_changed, timeout=3000) as sig:
        label.refresh()
    assert sig.args == ["soon"] and "25 秒" in label.text()
    now[0] += 10
    label.refresh()
    assert label.level() == "late" and "请尽快回复" in label.text()
    with qtbot.waitSignal(label.marked_replied, timeout=3000):
        qtbot.mouseDClick(label, Qt.LeftButton)
    assert label.level() == "idle"
    assert timer.today()["responses"] == 1 and "接待 1" in label.text()
    two = ResponseTimerLabel(timer, "张三", two_lines=True)
    qtbot.addWidget(two)
    assert "\n今日首响" in two.text()


def test_clearing_the_log_asks_first_and_can_be_undone(qtbot, view, db_file, monkeypatch):
    def count():
        conn = connect(db_file)
        try:
            return conn.execute("SELECT count(*) FROM usage_events").fetchone()[0]
        finally:
            conn.close()

    before = count()
    assert before > 0
    monkeypatch.setattr(view, "_confirm_clear", lambda: False)  # the agent clicks 取消
    view.clear_btn.click()
    assert count() == before and not view.undo_btn.isVisibleTo(view)
    monkeypatch.setattr(view, "_confirm_clear", lambda: True)
    with qtbot.waitSignal(view.usage_cleared, timeout=5000):
        view.clear_btn.click()
    assert count() == 0 and view.undo_btn.isVisibleTo(view) and "撤销" in view.status.text()
    qtbot.waitUntil(lambda: view.report is not None and view.report["messages"] == 0, timeout=30000)
    # WHEN the agent undoes THEN every row is back, with its id
    with qtbot.waitSignal(view.usage_cleared, timeout=5000):
        view.undo_btn.click()
    assert count() == before and not view.undo_btn.isVisibleTo(view)
    qtbot.waitUntil(lambda: view.report is not None and view.report["messages"] > 0, timeout=30000)
    # after the undo window the rows are gone for good
    view.clear_log(confirm=False)
    view._undo_timer.setInterval(10)
    view._undo_timer.start()
    qtbot.waitUntil(lambda: not view.undo_btn.isVisibleTo(view), timeout=3000)
    assert view.undo_clear() == 0 and count() == 0


def test_clear_undoable_relearns_the_model(engine, db_file):
    from assistant import usage

    fill_usage_log(engine, db_file, days=2, per_day=10)
    conn = connect(db_file)
    model = usage.UsageModel()
    model.load(conn)
    learned = model.events
    assert learned > 0
    n, undo = usage.clear_undoable(conn, model)
    assert n > 0 and model.events == 0
    assert undo() == n and model.events == learned
    conn.close()
