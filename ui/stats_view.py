"""The stats window: top replies, unused replies, intents, response times and knowledge gaps.

Charts are drawn with QPainter (QtCharts is not in pyside6-essentials, matplotlib would add
~40 MB to the frozen build). The report comes from ``assistant.stats.compute`` on a worker
thread with its own connection; the window never blocks on the database. Each knowledge gap has a
"新建话术" button that opens a small dialog saving a user reply (``assistant.usage.add_user_reply``);
``reply_created`` tells the app to reload its engine.

    python -m ui.stats_view            # opens the window on the current data directory

The chart widget is in ui/stats_chart.py, the reply editor in ui/reply_editor.py.

Size (~560 lines): the window's five tabs, their tables and the clear/undo of the usage log.
"""
from __future__ import annotations

import logging
import sqlite3
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
    QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from assistant import paths, stats, usage
from assistant.db import KBError, connect
from assistant.response_time import local_midnight
from ui.background import Background
from ui.reply_editor import CreateReplyDialog
from ui.stats_chart import BarChart

log = logging.getLogger(__name__)

PERIODS = [("今天", "today"), ("近 7 天", "7d"), ("近 30 天", "30d"), ("全部", "all")]

STYLE = """
QWidget#statsView { background: #f5f7fa; }
QLabel#statsTitle { font-size: 16pt; font-weight: bold; color: #263238; }
QLabel#statsRange { color: #78909c; }
QFrame.card { background: white; border: 1px solid #dde3ea; border-radius: 8px; }
QLabel.cardValue { font-size: 17pt; font-weight: bold; color: #1565c0; }
QLabel.cardValueWarn { font-size: 17pt; font-weight: bold; color: #c62828; }
QLabel.cardCaption { color: #607d8b; }
QLabel.note { color: #546e7a; }
QLabel#statsStatus { color: #2e7d32; }
QLabel#statsStatus[error="true"] { color: #c62828; }
QTabWidget::pane { border: 1px solid #dde3ea; border-radius: 6px; background: white; top: -1px; }
QTabBar::tab { padding: 6px 16px; color: #455a64; }
QTabBar::tab:selected { color: #0d47a1; font-weight: bold; }
QTableWidget { background: white; alternate-background-color: #f7f9fb; gridline-color: #eceff1;
               border: none; }
QHeaderView::section { background: #eef2f6; color: #37474f; padding: 4px 6px; border: none;
                       border-right: 1px solid #dde3ea; font-weight: bold; }
QPushButton { padding: 4px 12px; }
QPushButton#gapButton { padding: 2px 10px; color: #0d47a1; }
"""


def fmt_secs(v) -> str:
    if v is None:
        return "—"
    if v < 10:
        return f"{v:.1f} 秒"
    if v < 60:
        return f"{v:.0f} 秒"
    v = int(round(v))
    return f"{v // 60} 分 {v % 60:02d} 秒" if v < 3600 else f"{v // 3600} 小时 {v % 3600 // 60:02d} 分"


class Card(QFrame):
    def __init__(self, caption: str, parent=None):
        super().__init__(parent)
        self.setProperty("class", "card")
        self.value = QLabel("—")
        self.value.setProperty("class", "cardValue")
        self.caption = QLabel(caption)
        self.caption.setProperty("class", "cardCaption")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 8, 14, 8)
        lay.setSpacing(2)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)

    def set(self, value: str, warn: bool = False) -> None:
        self.value.setText(value)
        cls = "cardValueWarn" if warn else "cardValue"
        if self.value.property("class") != cls:
            self.value.setProperty("class", cls)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setAlternatingRowColors(True)
    t.setWordWrap(True)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setHighlightSections(False)
    return t


def _item(value, align_right: bool = False, tip: str | None = None) -> QTableWidgetItem:
    it = QTableWidgetItem()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        it.setData(Qt.DisplayRole, value)  # sorts as a number
    else:
        it.setText("" if value is None else str(value))
    if align_right:
        it.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    if tip:
        it.setToolTip(tip)
    return it


def _fill(t: QTableWidget, rows: list[list[QTableWidgetItem]]) -> None:
    sorting = t.isSortingEnabled()
    t.setSortingEnabled(False)  # rows must not move while they are being filled
    t.clearContents()
    t.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, it in enumerate(cells):
            t.setItem(r, c, it)
    t.setSortingEnabled(sorting)


def _fit(t: QTableWidget, stretch: list[int]) -> None:
    h = t.horizontalHeader()
    for c in range(t.columnCount()):
        h.setSectionResizeMode(c, QHeaderView.Stretch if c in stretch else QHeaderView.ResizeToContents)
    t.resizeRowsToContents()


# --- the window -------------------------------------------------------------------------------

class StatsView(QWidget):
    loaded = Signal(dict)
    reply_created = Signal(int)  # a user reply was saved: the app should reload its engine

    usage_cleared = Signal()  # the log was cleared or the clearing undone: the app relearns

    UNDO_S = 30  # how long the 撤销 button stays after clearing the log

    def __init__(self, db_file: Path | str | None = None, *, period: str = "7d", settings: dict | None = None,
                 learning=None, parent=None):
        super().__init__(parent)
        self.setObjectName("statsView")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setWindowTitle("客服助手 · 使用统计")
        self.setStyleSheet(STYLE)
        self.db_file = Path(db_file) if db_file else paths.db_path()
        self.settings = usage.learning_settings(settings)
        self.report: dict | None = None
        self.learning = learning  # the app's Learning (log + model), so clearing reaches them too
        self._notice = ""  # what clearing/undoing said, kept over the reload that follows
        self._undo = None
        self._undo_conn = None
        self._req = 0
        self.background = Background(self)

        title = QLabel("使用统计")
        title.setObjectName("statsTitle")
        self.range = QLabel()
        self.range.setObjectName("statsRange")
        self.period = QComboBox()
        for name, value in PERIODS:
            self.period.addItem(name, value)
        self.period.setCurrentIndex(max(0, self.period.findData(period)))
        self.period.currentIndexChanged.connect(lambda _i: self.load())
        self.refresh_btn = QPushButton("刷新")
        self.refresh_btn.clicked.connect(self.load)
        self.export_btn = QPushButton("导出报表…")
        self.export_btn.setToolTip("全部统计导出为 Excel（每项一页）或 CSV")
        self.export_btn.clicked.connect(lambda: self.export())
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.range, 1)
        head.addWidget(QLabel("时间："))
        head.addWidget(self.period)
        head.addWidget(self.refresh_btn)
        head.addWidget(self.export_btn)
        self.clear_btn = QPushButton("清空使用记录…")
        self.clear_btn.setToolTip("删除本机保存的全部使用记录和学到的常用排序（30 秒内可撤销）")
        self.clear_btn.clicked.connect(lambda: self.clear_log())
        head.addWidget(self.clear_btn)
        self.undo_btn = QPushButton("撤销清空")
        self.undo_btn.hide()
        self.undo_btn.clicked.connect(self.undo_clear)
        head.addWidget(self.undo_btn)
        self._undo_timer = QTimer(self, singleShot=True, interval=self.UNDO_S * 1000)
        self._undo_timer.timeout.connect(self._forget_undo)

        self.cards = {k: Card(c) for k, c in [
            ("messages", "顾客消息"), ("answered", "采用了推荐"), ("first", "首次响应（平均）"),
            ("avg", "平均响应"), ("late", f"超过 {self.settings['warn_after_s']:.0f} 秒的回复"),
            ("gaps", "知识缺口（组）")]}
        cards = QHBoxLayout()
        cards.setSpacing(10)
        for c in self.cards.values():
            cards.addWidget(c, 1)

        self.tabs = QTabWidget()
        # overview: four charts
        self.top_chart = BarChart("常用话术（用于几条消息）", "#1e88e5")
        self.intent_chart = BarChart("顾客在问什么（意图）", "#43a047")
        self.resp_chart = BarChart("每日平均响应时间", "#fb8c00")
        self.gap_chart = BarChart("知识缺口（出现次数）", "#8e24aa")
        overview = QWidget()
        grid = QGridLayout(overview)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(14)
        grid.addWidget(self.top_chart, 0, 0)
        grid.addWidget(self.intent_chart, 0, 1)
        grid.addWidget(self.resp_chart, 1, 0)
        grid.addWidget(self.gap_chart, 1, 1)
        self.tabs.addTab(overview, "概览")

        self.top_table = _table(["#", "标题", "话术内容", "快捷码", "意图", "用于消息", "修改", "展示", "采用率",
                                 "最近使用"])
        self.top_table.setWordWrap(False)
        self.top_table.setTextElideMode(Qt.ElideRight)
        self.tabs.addTab(self.top_table, "常用话术")

        unused = QWidget()
        ul = QVBoxLayout(unused)
        self.unused_note = QLabel()
        self.unused_note.setProperty("class", "note")
        self.unused_note.setWordWrap(True)
        self.unused_table = _table(["标题", "快捷码", "意图", "来源", "展示次数"])
        ul.addWidget(self.unused_note)
        ul.addWidget(self.unused_table, 1)
        self.tabs.addTab(unused, "没用过的话术")

        self.intent_table = _table(["意图", "消息", "采用了推荐", "占比"])
        self.tabs.addTab(self.intent_table, "意图")

        resp = QWidget()
        rl = QVBoxLayout(resp)
        self.resp_note = QLabel()
        self.resp_note.setProperty("class", "note")
        self.resp_note.setWordWrap(True)
        self.resp_table = _table(["日期", "消息", "已接待", "首次响应", "平均响应", "最长", "超时", "未回复"])
        self.resp_days_chart = BarChart("", "#26a69a")
        row = QHBoxLayout()
        row.addWidget(self.resp_table, 0)
        row.addWidget(self.resp_days_chart, 1)
        rl.addWidget(self.resp_note)
        rl.addLayout(row, 1)
        self.tabs.addTab(resp, "响应时间")

        gaps = QWidget()
        gl = QVBoxLayout(gaps)
        top = QHBoxLayout()
        self.gap_note = QLabel()
        self.gap_note.setProperty("class", "note")
        self.gap_note.setWordWrap(True)
        self.gap_export_btn = QPushButton("导出缺口清单…")
        self.gap_export_btn.setToolTip("给每周案例复盘用：Excel 或 CSV")
        self.gap_export_btn.clicked.connect(lambda: self.export(["知识缺口"]))
        top.addWidget(self.gap_note, 1)
        top.addWidget(self.gap_export_btn)
        self.gap_table = _table(["代表问题", "次数", "未采用", "意图", "最高分", "相似问法", ""])
        gl.addLayout(top)
        gl.addWidget(self.gap_table, 1)
        self.tabs.addTab(gaps, "知识缺口")

        for t in (self.top_table, self.unused_table, self.intent_table):
            t.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)  # keep the report's order
            t.setSortingEnabled(True)  # until a header is clicked
        self.status = QLabel()
        self.status.setObjectName("statsStatus")
        self.status.setWordWrap(True)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 10)
        lay.setSpacing(10)
        lay.addLayout(head)
        lay.addLayout(cards)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.status)
        self.resize(1180, 780)
        self.setMinimumSize(900, 600)

    # -- loading ---------------------------------------------------------------------------

    def since(self, now: float | None = None) -> float | None:
        value = self.period.currentData()
        now = time.time() if now is None else now
        if value == "today":
            return local_midnight(now)
        return stats.parse_since(value, now=now)

    def load(self) -> int:
        """Compute the report on a worker thread; ``loaded`` fires when it is shown."""
        self._req += 1
        req, since, db_file, settings = self._req, self.since(), self.db_file, dict(self.settings)
        self.status.setText("正在统计…")
        self._set_error(False)

        def work():
            conn = connect(db_file)
            try:
                return stats.compute(conn, since=since, settings=settings)
            finally:
                conn.close()

        def failed(exc):  # shown in the window
            log.error("stats failed", exc_info=exc)
            self._on_loaded(req, exc)
        self.background.run(work, lambda result: self._on_loaded(req, result), failed, name="stats")
        return req

    def _set_error(self, on: bool) -> None:
        if self.status.property("error") != on:
            self.status.setProperty("error", on)
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)

    def _on_loaded(self, req: int, result) -> None:
        if req != self._req:
            return  # an older request: the period changed meanwhile
        if isinstance(result, Exception):
            self._set_error(True)
            self.status.setText(f"统计失败：{result}")
            return
        self.show_report(result)
        note = "" if result["events"] else "还没有使用记录：在侧边栏里选用、修改、发送话术后，这里会出现统计。"
        self.status.setText(self._notice or note)
        self.loaded.emit(result)

    # -- showing ---------------------------------------------------------------------------

    def show_report(self, r: dict) -> None:
        self.report = r
        resp = r["response"]
        self.range.setText(f"{r['since'] or '最早'} 至 {r['until']}")
        self.cards["messages"].set(str(r["messages"]))
        share = f"{r['answered'] / r['messages']:.0%}" if r["messages"] else "—"
        self.cards["answered"].set(f"{r['answered']}（{share}）")
        warn = resp["warn_after_s"]
        self.cards["first"].set(fmt_secs(resp.get("first_response_s")),
                                (resp.get("first_response_s") or 0) > warn)
        self.cards["avg"].set(fmt_secs(resp.get("avg_response_s")), (resp.get("avg_response_s") or 0) > warn)
        self.cards["late"].set(str(resp.get("over_warn", 0)), bool(resp.get("over_warn")))
        self.cards["gaps"].set(str(r["gaps_total"]), bool(r["gaps_total"]))

        def title_of(t):
            return t["title"] + (f" /{t['code']}" if t.get("code") else "")

        self.top_chart.set_data([(title_of(t), t["uses"], f"{t['uses']} 条") for t in r["top_replies"][:8]])
        self.intent_chart.set_data([(i["name"], i["messages"], f"{i['messages']}（{i['share']:.0%}）")
                                    for i in r["intents"][:8]])
        days = resp["days"][-8:]
        self.resp_chart.set_data([(d["date"][5:], d["avg_response_s"] or 0.0,
                                   f"{fmt_secs(d['avg_response_s'])} · {d['handled']} 条") for d in days],
                                 marker=warn, marker_label=f"目标 {warn:.0f} 秒")
        self.gap_chart.set_data([(g["example"], g["count"], f"{g['count']} 次") for g in r["gaps"][:8]])

        t = self.top_table
        rows = []
        for n, x in enumerate(r["top_replies"], 1):
            rate = "" if x["use_rate"] is None else f"{x['use_rate']:.0%}"
            rows.append([_item(n, True), _item(x["title"]), _item(x.get("text") or "", tip=x.get("text")),
                         _item(x["code"] or ""), _item(x.get("intent_name") or x["intent"] or ""),
                         _item(x["uses"], True), _item(x["edited"], True), _item(x["shown"], True),
                         _item(rate, True), _item(x["last_used"] or "")])
        _fill(t, rows)
        _fit(t, [2])

        t = self.unused_table
        self.unused_note.setText(
            f"这段时间有 {r['unused_count']} 条话术（共 {r['replies_total']} 条）没被用过。"
            "展示过却没人选的，可以考虑改写；从没出现过的，看看触发问法是否合适，或停用。")
        _fill(t, [[_item(u["title"]), _item(u["code"] or ""), _item(u["intent_name"]),
                   _item("自建" if u["source"] == "user" else "默认"), _item(u["shown"], True)]
                  for u in r["unused"]])
        _fit(t, [0])

        t = self.intent_table
        _fill(t, [[_item(f"{i['name']}（{i['intent']}）"), _item(i["messages"], True), _item(i["answered"], True),
                   _item(f"{i['share']:.0%}", True)] for i in r["intents"]])
        _fit(t, [0])

        t = self.resp_table
        self.resp_note.setText(
            f"首次响应：每段会话里顾客第一条消息到回复发出的时间；平均响应：所有回复的平均等待。"
            f"目标 {warn:.0f} 秒以内。合计：首次响应 {fmt_secs(resp.get('first_response_s'))}，"
            f"平均 {fmt_secs(resp.get('avg_response_s'))}，已接待 {resp.get('handled', 0)} 条。")
        self.resp_days_chart.set_data(
            [(d["date"][5:], d["avg_response_s"] or 0.0,
              f"平均 {fmt_secs(d['avg_response_s'])} · 首响 {fmt_secs(d['first_response_s'])}")
             for d in reversed(resp["days"][-31:])], marker=warn, marker_label=f"目标 {warn:.0f} 秒")
        _fill(t, [[_item(d["date"]), _item(d["messages"], True), _item(d["handled"], True),
                   _item(fmt_secs(d["first_response_s"]), True), _item(fmt_secs(d["avg_response_s"]), True),
                   _item(fmt_secs(d["max_response_s"]), True), _item(d["over_warn"], True),
                   _item(d["unanswered"], True)] for d in reversed(resp["days"])])
        _fit(t, [])
        t.setFixedWidth(t.horizontalHeader().length() + 2 * t.frameWidth() + t.verticalScrollBar().sizeHint().width())

        t = self.gap_table
        self.gap_note.setText(
            f"顾客问了、但推荐里没有合适话术的问题（没有采用推荐，或最高分低于 {r['low_score']:.2f}），"
            f"相似问法已合并，共 {r['gaps_total']} 组。可以直接“新建话术”，或导出给每周案例复盘。")
        t.setRowCount(len(r["gaps"]))
        for row, g in enumerate(r["gaps"]):
            score = "" if g["best_score"] is None else f"{g['best_score']:.2f}"
            similar = "；".join(m for m in g["messages"] if m != g["example"])
            cells = [_item(g["example"], tip=g["example"]), _item(g["count"], True), _item(g["unanswered"], True),
                     _item(g["intent_name"]), _item(score, True), _item(similar, tip=similar)]
            for c, it in enumerate(cells):
                t.setItem(row, c, it)
            btn = QPushButton("新建话术")
            btn.setObjectName("gapButton")
            btn.setCursor(Qt.PointingHandCursor)
            btn.setToolTip("用这组问题新建一条话术")
            btn.clicked.connect(lambda _c=False, row=row: self.create_reply(row))
            t.setCellWidget(row, 6, btn)
        _fit(t, [0, 5])

    # -- actions ---------------------------------------------------------------------------

    def create_reply(self, row: int, *, modal: bool = True) -> CreateReplyDialog:
        gap = self.report["gaps"][row] if self.report and 0 <= row < len(self.report["gaps"]) else None
        dlg = CreateReplyDialog(self.db_file, gap, self)

        def done(rid: int) -> None:
            btn = self.gap_table.cellWidget(row, 6)
            if isinstance(btn, QPushButton):
                btn.setText("已建话术")
                btn.setEnabled(False)
            self.status.setText(f"已新建话术 {rid}：{dlg.title.text() or '（无标题）'}")
            self.reply_created.emit(rid)

        dlg.saved.connect(done)
        if modal:
            dlg.open()
        return dlg

    # -- clearing the log ----------------------------------------------------------------------

    def _confirm_clear(self) -> bool:
        box = QMessageBox(QMessageBox.Warning, "清空使用记录",
                          "删除本机保存的全部使用记录？\n选用、修改、发送的记录和学到的常用排序都会清掉，"
                          f"清空后 {self.UNDO_S} 秒内可以撤销。需要留底请先点「导出报表」。",
                          QMessageBox.Yes | QMessageBox.Cancel, self)
        box.button(QMessageBox.Yes).setText("清空")
        box.button(QMessageBox.Cancel).setText("取消")
        box.setDefaultButton(QMessageBox.Cancel)
        return box.exec() == QMessageBox.Yes

    def clear_log(self, confirm: bool = True) -> int | None:
        """Delete the whole usage log (after asking); the 撤销清空 button brings it back."""
        if confirm and not self._confirm_clear():
            return None
        self._forget_undo()
        model = None
        if self.learning is not None:
            self.learning.log.flush(5)  # what is still queued belongs to the log being cleared
            model = self.learning.model
        try:
            conn = connect(self.db_file)
            n, self._undo = usage.clear_undoable(conn, model)
        except (KBError, OSError, sqlite3.Error) as exc:
            self._set_error(True)
            self.status.setText(f"清空失败：{exc}")
            return None
        self._undo_conn = conn
        self.undo_btn.show()
        self._undo_timer.start()
        self._set_error(False)
        self.usage_cleared.emit()
        self.load()
        from assistant import backups

        try:  # the backups hold the same text: it goes from them too (undo brings back the live log only)
            note = backups.clear_usage_note(None)
        except Exception as exc:
            note = f"备份里的使用记录没能清掉（{exc}）。"
        self._say(f"已清空 {n} 条使用记录。{note}{self.UNDO_S} 秒内可点「撤销清空」。")
        return n

    def undo_clear(self) -> int:
        if self._undo is None:
            return 0
        undo, self._undo = self._undo, None
        try:
            n = undo()
        finally:
            self._forget_undo()
        self.usage_cleared.emit()
        self.load()
        self._say(f"已恢复 {n} 条使用记录。")
        return n

    def _say(self, notice: str) -> None:
        self._notice = notice
        self.status.setText(notice)

    def _forget_undo(self) -> None:
        if self._undo is not None:
            self._notice = ""
        self._undo = None
        self._undo_timer.stop()
        self.undo_btn.hide()
        if self._undo_conn is not None:
            self._undo_conn.close()
            self._undo_conn = None

    def closeEvent(self, e):  # noqa: N802  (the kept rows go with the window)
        self._forget_undo()
        super().closeEvent(e)

    def _ask_save_path(self, default: Path) -> str:
        path, _ = QFileDialog.getSaveFileName(self, "导出统计", str(default),
                                              "Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv)")
        return path

    def export(self, sections: list[str] | None = None) -> Path | None:
        if not self.report:
            return None
        name = "知识缺口" if sections == ["知识缺口"] else "客服统计"
        default = Path.home() / f"{name}-{time.strftime('%Y%m%d')}.xlsx"
        chosen = self._ask_save_path(default)
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix(".xlsx")
        try:
            stats.export(self.report, path, sections)
        except OSError as exc:
            self._set_error(True)
            self.status.setText(f"导出失败：{exc}。如果文件正在 Excel 里打开，请先关掉再导出。")
            return None
        self._set_error(False)
        self.status.setText(f"已导出到 {path}")
        return path


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from ui.fonts import apply_cjk_font

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    apply_cjk_font(app)
    view = StatsView()
    view.show()
    view.load()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
