"""导入话术表: bring the shop's existing replies (快捷短语 exported as CSV/XLSX) into the
knowledge base. Choose a file → a preview of every row with its intent and the rows that will be
skipped → 导入 → 撤销这次导入 if it was the wrong file. The reading, checking and writing run on a
worker thread (a big sheet takes seconds); the window never freezes."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
    QPushButton, QStyledItemDelegate, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from assistant import importer, kb, paths, usage
from ui.background import Background


def _set_intent(model, index, intent: str, names: dict[str, str]) -> None:
    """An intent the agent chose in the preview: kept in the cell and marked as changed."""
    model.setData(index, intent, Qt.UserRole)
    model.setData(index, names.get(intent, intent) + "（已改）", Qt.DisplayRole)


class IntentDelegate(QStyledItemDelegate):
    """Double-click (or F2) an intent in the preview to choose another one from a list."""

    def __init__(self, names: dict[str, str], parent=None):
        super().__init__(parent)
        self.names = names

    def createEditor(self, parent, option, index):  # noqa: N802
        box = QComboBox(parent)
        for iid, name in self.names.items():
            box.addItem(name, iid)
        return box

    def setEditorData(self, editor, index):  # noqa: N802
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.UserRole))))

    def setModelData(self, editor, model, index):  # noqa: N802
        iid = editor.currentData()
        if iid != index.data(Qt.UserRole):
            _set_intent(model, index, iid, self.names)


class ImportDialog(QDialog):
    imported = Signal()  # replies were added or removed: the app reloads its engine
    previewed = Signal()
    finished_work = Signal(str)  # "preview", "import", "undo" or "error"

    def __init__(self, db_file: Path | str | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("导入话术表")
        self.db_file = Path(db_file) if db_file else paths.db_path()
        self.path: Path | None = None
        self.report: importer.ImportReport | None = None
        self.batch: str | None = None
        self._names: dict[str, str] = {}
        self.background = Background(self)

        intro = QLabel("把店里现有的快捷短语导进来：Excel（.xlsx）或 CSV，第一行是列名。必需一列“内容”（或“话术”），"
                       "可选“标题”“快捷码”“分组”“意图”“问法”。没写意图的，会按内容自动判断。导入前自动备份，导错了可以撤销。")
        intro.setWordWrap(True)
        self.choose_btn = QPushButton("选择文件…")
        self.choose_btn.clicked.connect(lambda: self.choose())
        self.file_label = QLabel("还没有选择文件")
        top = QHBoxLayout()
        top.addWidget(self.choose_btn)
        top.addWidget(self.file_label, 1)

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["行", "意图", "标题", "快捷码", "内容"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.table.setToolTip("双击“意图”一格可以改成别的意图")
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(110)
        self.problems.setPlaceholderText("跳过或改动的行会列在这里")
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.import_btn = QPushButton("导入")
        self.import_btn.setEnabled(False)
        self.import_btn.clicked.connect(self.run_import)
        self.undo_btn = QPushButton("撤销这次导入")
        self.undo_btn.hide()
        self.undo_btn.clicked.connect(self.undo)
        close_btn = QPushButton("关闭")
        close_btn.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.undo_btn, self.import_btn, close_btn):
            buttons.addWidget(b)

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.problems)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        self.resize(820, 560)

    # -- steps -------------------------------------------------------------------------------

    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "选择话术表", str(Path.home()),
                                              "话术表 (*.xlsx *.csv *.txt *.tsv);;所有文件 (*)")
        return path

    def choose(self, path: str | None = None) -> None:
        chosen = path if path is not None else self._ask_open_path()
        if not chosen:
            return
        self.path = Path(chosen)
        self.file_label.setText(str(self.path))
        self.batch = None
        self.undo_btn.hide()
        self._start("preview", lambda eng: importer.import_file(eng.conn, self.path, analyzer=eng.analyzer,
                                                                 dry_run=True))

    def chosen_intents(self) -> dict[int, str]:
        """{row number: intent id} for the rows whose intent the agent changed in the preview."""
        out = {}
        for i in range(self.table.rowCount()):
            line, intent = self.table.item(i, 0), self.table.item(i, 1)
            if line is not None and intent is not None and intent.data(Qt.UserRole) != intent.data(Qt.UserRole + 1):
                out[int(line.text())] = intent.data(Qt.UserRole)
        return out

    def set_intent(self, row: int, intent: str) -> None:
        """What choosing from the intent list does (used by the tests)."""
        _set_intent(self.table.model(), self.table.model().index(row, 1), intent, self._names)

    def run_import(self) -> None:
        if self.path is None:
            return
        chosen = self.chosen_intents()
        self._start("import", lambda eng: importer.import_file(eng.conn, self.path, analyzer=eng.analyzer,
                                                                db_file=self.db_file, intents=chosen))

    def undo(self) -> None:
        if self.batch:
            batch = self.batch
            self._start("undo", lambda eng: importer.undo(eng.conn, batch))

    def _start(self, what: str, job) -> None:
        self._busy(True, {"preview": "正在读取和检查…", "import": "正在导入…", "undo": "正在撤销…"}[what])
        db_file = self.db_file

        def work():
            from assistant.engine import Engine

            eng = Engine(db_file, build_if_needed=False)  # the app built it; never rebuild mid-import
            try:
                return job(eng)
            finally:
                eng.close()

        def failed(exc):
            if isinstance(exc, importer.ImportFileError):
                self._done("error", str(exc))
            else:  # a locked or corrupt database, a disk error
                self._done("error", f"导入失败：{exc}")
        self.background.run(work, lambda result: self._done(what, result), failed, name=f"import-{what}")

    def _busy(self, on: bool, message: str = "") -> None:
        for b in (self.choose_btn, self.import_btn, self.undo_btn):
            b.setEnabled(not on)
        if on:
            self.status.setText(message)

    def _done(self, what: str, result) -> None:
        self._busy(False)
        if what == "error":
            self.report = None
            self.import_btn.setEnabled(False)
            self.status.setText(f"⚠ {result}")
        elif what == "preview":
            self._show(result)
            n = len(result.rows)
            self.import_btn.setEnabled(n > 0)
            self.status.setText(f"可以导入 {n} 条（{sum(r.guessed for r in result.rows)} 条的意图是自动判断的），"
                                f"重复跳过 {result.duplicates} 条。意图不对的双击改掉，确认无误后点「导入」。" if n else
                                "没有新的话术：文件里的内容都已经在知识库里了。")
            self.previewed.emit()
        elif what == "import":
            self._show(result)
            self.batch = result.batch or None
            self.import_btn.setEnabled(False)
            self.undo_btn.setVisible(self.batch is not None)
            self.status.setText(f"已导入 {len(result.ids)} 条话术，侧边栏马上就能用。导入前的备份：{result.backup}")
            self.imported.emit()
        elif what == "undo":
            batch, n = result
            self.batch = None
            self.undo_btn.hide()
            self.import_btn.setEnabled(self.path is not None)
            self.status.setText(f"已撤销：删除了这次导入的 {n} 条话术。")
            self.imported.emit()
        self.finished_work.emit(what)

    def _show(self, report: importer.ImportReport) -> None:
        self.report = report
        names = self._names = self._intent_names()
        self.table.setItemDelegateForColumn(1, IntentDelegate(names, self.table))
        self.table.setRowCount(len(report.rows))
        for i, r in enumerate(report.rows):
            intent = names.get(r.intent, r.intent) + ("（自动）" if r.guessed else "")
            title = r.title or usage.default_title(r.body)  # what the reply will be called
            for j, value in enumerate((str(r.line), intent, title, f"/{r.code}" if r.code else "", r.body)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if j == 0:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if j == 1:
                    item.setData(Qt.UserRole, r.intent)
                    item.setData(Qt.UserRole + 1, r.intent)  # what the sheet or the guess said
                else:
                    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        self.problems.setPlainText("\n".join(report.problems))

    def _intent_names(self) -> dict[str, str]:
        from assistant.db import connect

        try:
            conn = connect(self.db_file, readonly=True)
        except Exception:
            return {}
        try:
            return kb.intent_names(conn)
        finally:
            conn.close()
