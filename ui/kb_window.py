"""话术库 (tray → 话术库): the shop owner manages the knowledge base without touching YAML.

话术 tab: browse by intent, search (the popup's search: Engine.search, so 词 / 拼音首字母 / /快捷码 find
the same replies), add / edit / disable / delete a reply — text with {变量} and a live preview,
intent, shortcode, phrasings, groups — with warnings before saving (shortcode clash, near-duplicate,
unknown variable, 违禁词) and 撤销 (Ctrl+Z) for every change. 试一条消息 shows what the sidebar
would suggest for a message, with the current knowledge. 商品 and 搭配推荐 tabs edit products and
cross-sell rules the same way. 导出 writes XLSX/CSV; 检查 runs `kefu kb lint`; 备份 makes a copy
of the database now (restore is provided by the backups feature).

The window has its own Engine and connection (WAL: the sidebar's engine thread keeps reading);
after each change it reloads its engine and emits ``changed`` so the app reloads the sidebar's.
Calls here are a few milliseconds (search ~3 ms, suggest ~5 ms), fine on the GUI thread.

Size (~720 lines): one window with three tabs (replies, products, rules) and their editors; to be
split per tab (not done in issue 12).
"""
from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
    QHeaderView, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QSplitter, QTableWidget,
    QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from assistant import kb, kbio, lint, paths
from assistant.engine import Engine
from assistant.kbedit import KBEditor, ReplyDraft, split_list

log = logging.getLogger(__name__)

# what the preview fills {变量} with when the message does not say (the shop's own come from settings)
SAMPLE = {"order_no": "3254857712345678", "phone": "13800001234", "amount": "59", "size": "M", "product": "保温杯"}


def _item(text: str, data=None, grey: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(it.flags() & ~Qt.ItemIsEditable)
    if data is not None:
        it.setData(Qt.UserRole, data)
    if grey:
        it.setForeground(QColor("#9e9e9e"))
    return it


class KBWindow(QWidget):
    changed = Signal()  # the knowledge base changed: the sidebar's engine should reload
    restore_requested = Signal(str)  # put this backup back (done by the app, which holds the database)

    def __init__(self, db_file: Path | str | None = None, profile: dict | None = None, parent=None):
        super().__init__(parent, Qt.Window)
        self.setWindowTitle("话术库")
        self.resize(1100, 720)
        self.db_file = Path(db_file) if db_file else paths.db_path()
        kb.ensure_built(self.db_file)
        self.engine = Engine(self.db_file)
        self.editor = KBEditor(self.engine.conn)
        self.profile = dict(profile or {})
        self.names = self.editor.intents()
        self.current_id: int | None = None
        self._loading = False
        self._closed = False

        self.tabs = QTabWidget()
        self.tabs.addTab(self._replies_tab(), "话术")
        self.tabs.addTab(self._products_tab(), "商品")
        self.tabs.addTab(self._rules_tab(), "搭配推荐")

        self.undo_btn = QPushButton("撤销")
        self.undo_btn.setToolTip("撤销上一次修改（Ctrl+Z）")
        self.undo_btn.clicked.connect(self.undo)
        self.export_btn = QPushButton("导出…")
        self.export_btn.clicked.connect(lambda: self.export())
        self.lint_btn = QPushButton("检查")
        self.lint_btn.setToolTip("违禁词、未知变量、空话术、重复话术、没有话术的意图、快捷码冲突")
        self.lint_btn.clicked.connect(self.run_lint)
        self.backup_btn = QPushButton("备份")
        self.backup_btn.setToolTip("现在把知识库复制一份到备份文件夹")
        self.backup_btn.clicked.connect(self.backup)
        self.restore_btn = QPushButton("恢复…")
        self.restore_btn.setToolTip("从备份恢复整个知识库（含自建话术和使用记录）；恢复前会先把现在的另存一份")
        self.restore_btn.clicked.connect(self.choose_backup)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        for b in (self.undo_btn, self.export_btn, self.lint_btn, self.backup_btn, self.restore_btn):
            bar.addWidget(b)
        bar.addWidget(self.status, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.tabs, 1)

        QShortcut(QKeySequence.Undo, self, activated=self.undo)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_reply)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=lambda: (self.tabs.setCurrentIndex(0), self.search.setFocus()))
        self._check_timer = QTimer(self, singleShot=True, interval=200)
        self._check_timer.timeout.connect(self.refresh_checks)
        self.refresh_list()
        self.refresh_products()
        self.refresh_rules()
        self.new_reply()
        self._update_undo()

    # --- 话术 tab ------------------------------------------------------------------------------

    def _replies_tab(self) -> QWidget:
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：关键词、拼音首字母（thh）、/快捷码")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh_list)
        self.intent_filter = QComboBox()
        self.intent_filter.addItem("全部意图", "")
        for iid, name in self.names.items():
            self.intent_filter.addItem(name, iid)
        self.intent_filter.currentIndexChanged.connect(self.refresh_list)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["标题", "快捷码", "意图", "内容"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(1, 70)
        self.table.setColumnWidth(2, 90)
        self.table.itemSelectionChanged.connect(self._selected)
        self.count_label = QLabel("")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.intent_filter)
        ll.addLayout(top)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.count_label)

        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(40)
        self.title_edit.setPlaceholderText("不填则取内容开头")
        self.intent_box = QComboBox()
        for iid, name in self.names.items():
            self.intent_box.addItem(f"{name}（{iid}）", iid)
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(21)
        self.code_edit.setPlaceholderText("例如 fh（搜索框里打 /fh）")
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText("话术内容，可以用变量：{顾客称呼} {订单号} {商品} {店铺名} …")
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setMinimumHeight(70)
        self.text_edit.setMaximumHeight(140)
        self.preview = QLabel("")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.RichText)
        self.preview.setStyleSheet("QLabel{background:#f5f7fa;border:1px solid #dde3ea;border-radius:4px;padding:6px}")
        self.triggers_edit = QPlainTextEdit()
        self.triggers_edit.setPlaceholderText("顾客会怎么问，每行一个（例如：什么时候发货）")
        self.triggers_edit.setTabChangesFocus(True)
        self.triggers_edit.setMaximumHeight(80)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("分组/标签，用逗号分开（例如：服装，大促）")
        self.enabled_box = QCheckBox("启用（停用后侧栏不再推荐）")
        self.enabled_box.setChecked(True)
        self.checks = QLabel("")
        self.checks.setWordWrap(True)
        self.checks.setTextFormat(Qt.RichText)
        for w in (self.title_edit, self.code_edit, self.tags_edit):
            w.textChanged.connect(self._edited)
        for w in (self.text_edit, self.triggers_edit):
            w.textChanged.connect(self._edited)
        self.intent_box.currentIndexChanged.connect(self._edited)
        self.text_edit.textChanged.connect(self.refresh_preview)

        form = QFormLayout()
        form.addRow("标题", self.title_edit)
        form.addRow("意图", self.intent_box)
        form.addRow("快捷码", self.code_edit)
        form.addRow("内容", self.text_edit)
        form.addRow("预览", self.preview)
        form.addRow("问法", self.triggers_edit)
        form.addRow("分组", self.tags_edit)
        form.addRow("", self.enabled_box)
        form.addRow("", self.checks)
        self.new_btn = QPushButton("新建（Ctrl+N）")
        self.new_btn.clicked.connect(self.new_reply)
        self.save_btn = QPushButton("保存（Ctrl+S）")
        self.save_btn.setDefault(True)
        self.save_btn.clicked.connect(self.save)
        self.toggle_btn = QPushButton("停用")
        self.toggle_btn.clicked.connect(self.toggle_enabled)
        self.delete_btn = QPushButton("删除")
        self.delete_btn.clicked.connect(self.delete)
        btns = QHBoxLayout()
        for b in (self.new_btn, self.save_btn, self.toggle_btn, self.delete_btn):
            btns.addWidget(b)
        btns.addStretch(1)

        self.try_edit = QLineEdit()
        self.try_edit.setPlaceholderText("试一条消息：输入顾客会发的话，回车看侧栏会推荐什么")
        self.try_edit.returnPressed.connect(self.try_message)
        self.try_btn = QPushButton("试一试")
        self.try_btn.clicked.connect(self.try_message)
        self.try_results = QListWidget()
        self.try_results.setWordWrap(True)
        self.try_results.setMinimumHeight(160)
        self.try_results.itemDoubleClicked.connect(self._open_tried)
        self.try_info = QLabel("")
        tr = QHBoxLayout()
        tr.addWidget(self.try_edit, 1)
        tr.addWidget(self.try_btn)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.editing_label = QLabel("")
        self.editing_label.setStyleSheet("font-weight:bold")
        rl.addWidget(self.editing_label)
        rl.addLayout(form)
        rl.addLayout(btns)
        rl.addSpacing(6)
        rl.addWidget(QLabel("试一条消息"))
        rl.addLayout(tr)
        rl.addWidget(self.try_info)
        rl.addWidget(self.try_results, 1)

        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        return split

    def refresh_list(self) -> None:
        q = self.search.text().strip()
        intent = self.intent_filter.currentData()
        if q:
            rows = self.editor.search(self.engine, q)
            if intent:
                rows = [r for r in rows if r["intent"] == intent]
        else:
            rows = self.editor.replies(intent or None)
        self.table.blockSignals(True)  # repopulating must not open whatever lands under the selection
        self.table.clearSelection()
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            grey = not r.get("enabled", 1)
            title = r["title"] + ("（停用）" if grey else "")
            self.table.setItem(i, 0, _item(title, r["id"], grey))
            self.table.setItem(i, 1, _item("/" + r["code"] if r.get("code") else "", None, grey))
            self.table.setItem(i, 2, _item(self.names.get(r["intent"], r["intent"]), None, grey))
            self.table.setItem(i, 3, _item(r["text"].replace("\n", " "), None, grey))
        self.table.selectionModel().clearSelection()
        self.table.blockSignals(False)
        self.count_label.setText(f"{len(rows)} 条" + ("（搜索结果）" if q else ""))
        if self.current_id is not None:
            self._select_row(self.current_id)

    def row_ids(self) -> list[int]:
        return [self.table.item(i, 0).data(Qt.UserRole) for i in range(self.table.rowCount())]

    def _select_row(self, rid: int) -> None:
        ids = self.row_ids()
        if rid in ids:
            self.table.blockSignals(True)
            self.table.selectRow(ids.index(rid))
            self.table.blockSignals(False)

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_reply(self.table.item(rows[0].row(), 0).data(Qt.UserRole))

    def open_reply(self, rid: int) -> None:
        r = self.editor.reply(rid)
        if r is None:
            return
        self._loading = True
        self.current_id = rid
        self.title_edit.setText(r["title"])
        self.intent_box.setCurrentIndex(max(0, self.intent_box.findData(r["intent"])))
        self.code_edit.setText(r["code"] or "")
        self.text_edit.setPlainText(r["text"])
        self.triggers_edit.setPlainText("\n".join(r["triggers"]))
        self.tags_edit.setText("，".join(r["tags"]))
        self.enabled_box.setChecked(bool(r["enabled"]))
        self._loading = False
        src = "内置" if r["source"] == "default" else "本店"
        self.editing_label.setText(f"编辑：{r['title']}（#{rid}，{src}）")
        self.toggle_btn.setText("启用" if not r["enabled"] else "停用")
        self.toggle_btn.setEnabled(True)
        self.delete_btn.setEnabled(True)
        self._select_row(rid)
        self.refresh_preview()
        self.refresh_checks()

    def new_reply(self) -> None:
        self._loading = True
        self.current_id = None
        self.table.clearSelection()
        for w in (self.title_edit, self.code_edit, self.tags_edit):
            w.clear()
        self.text_edit.clear()
        self.triggers_edit.clear()
        self.enabled_box.setChecked(True)
        intent = self.intent_filter.currentData() if hasattr(self, "intent_filter") else ""
        self.intent_box.setCurrentIndex(max(0, self.intent_box.findData(intent or "other")))
        self._loading = False
        self.editing_label.setText("新建话术")
        self.toggle_btn.setEnabled(False)
        self.delete_btn.setEnabled(False)
        self.refresh_preview()
        self.checks.setText("")
        self.text_edit.setFocus()

    def draft(self) -> ReplyDraft:
        return ReplyDraft(text=self.text_edit.toPlainText().strip(), intent=self.intent_box.currentData() or "",
                          title=self.title_edit.text().strip(), code=self.code_edit.text().strip(),
                          triggers=split_list(self.triggers_edit.toPlainText()),
                          tags=[t for t in split_list(self.tags_edit.text().replace("，", "|").replace(",", "|"))],
                          enabled=self.enabled_box.isChecked())

    def _edited(self) -> None:
        if not self._loading and not self._closed:
            self._check_timer.start()

    def refresh_preview(self) -> None:
        body = self.text_edit.toPlainText()
        filled, missing = self.engine.fill(body, SAMPLE, self.profile)
        shown = html.escape(filled).replace("\n", "<br>")
        for name in missing:  # what the sidebar would ask the agent to fill: red
            shown = shown.replace(html.escape("{" + name + "}"), f"<span style='color:#c62828'>{{{html.escape(name)}}}</span>")
        self.preview.setText(shown or "<span style='color:#9e9e9e'>（输入内容后这里显示填好变量的样子）</span>")

    def refresh_checks(self) -> list:
        found = self.editor.check(self.draft(), self.current_id)
        if not self.text_edit.toPlainText().strip():
            found = [c for c in found if c.kind != "empty"]
        parts = []
        for c in found:
            color = "#c62828" if c.blocking else "#e65100"
            parts.append(f"<span style='color:{color}'>{'✗' if c.blocking else '⚠'} {html.escape(c.message)}</span>")
        self.checks.setText("<br>".join(parts))
        self.last_checks = found
        return found

    def save(self) -> int | None:
        if self.tabs.currentIndex() == 1:
            return self.save_product()
        if self.tabs.currentIndex() == 2:
            return self.save_rule()
        d = self.draft()
        try:
            if self.current_id is None:
                rid = self.editor.add_reply(d)
                msg = f"已新增「{self.editor.reply(rid)['title']}」"
            else:
                rid = self.current_id
                self.editor.update_reply(rid, d)
                msg = f"已保存「{self.editor.reply(rid)['title']}」"
        except ValueError as exc:
            self.refresh_checks()
            self.show_status(str(exc), error=True)
            return None
        warn = [c.message for c in self.editor.check(d, rid) if not c.blocking]
        self._after_change(msg + ("；注意：" + "；".join(warn) if warn else ""))
        self.open_reply(rid)
        return rid

    def toggle_enabled(self) -> None:
        if self.current_id is None:
            return
        r = self.editor.reply(self.current_id)
        self.editor.set_enabled(self.current_id, not r["enabled"])
        self._after_change(f"已{'启用' if not r['enabled'] else '停用'}「{r['title']}」（可撤销）")
        self.open_reply(self.current_id)

    def delete(self) -> None:
        if self.current_id is None:
            return
        title = self.editor.reply(self.current_id)["title"]
        self.editor.delete_reply(self.current_id)
        self.new_reply()
        self._after_change(f"已删除「{title}」（Ctrl+Z 撤销）")

    def undo(self) -> None:
        if not self.editor.can_undo():
            self.show_status("没有可以撤销的修改")
            return
        label = self.editor.undo()
        self._after_change(f"已撤销：{label}")
        if self.current_id is not None and self.editor.reply(self.current_id) is not None:
            self.open_reply(self.current_id)
        elif self.current_id is not None:
            self.new_reply()

    def _after_change(self, message: str) -> None:
        self.engine.reload()
        self.changed.emit()
        self.refresh_list()
        self.refresh_products()
        self.refresh_rules()
        self._update_undo()
        self.show_status(message)
        if self.try_edit.text().strip():
            self.try_message()

    def _update_undo(self) -> None:
        label = self.editor.undo_label()
        self.undo_btn.setEnabled(bool(label))
        self.undo_btn.setText(f"撤销：{label}" if label else "撤销")

    def show_status(self, message: str, error: bool = False) -> None:
        self.status.setStyleSheet("color:#c62828" if error else "color:#2e7d32")
        self.status.setText(message)

    def try_message(self) -> None:
        msg = self.try_edit.text().strip()
        self.try_results.clear()
        if not msg:
            self.try_info.setText("")
            return
        s = self.engine.suggest(msg)
        a = s.analysis
        self.try_info.setText(
            (f"意图：{self.names.get(a.intent, a.intent)}　情绪：{kb.emotion_names().get(a.emotion, a.emotion)}" + ("　紧急" if a.urgent else "")
             if a else "") + ("　" + "；".join(s.warnings) if s.warnings else ""))
        for i, r in enumerate(s.replies, 1):
            mark = "★ " if r["id"] == self.current_id else ""
            it = QListWidgetItem(f"{i}. {mark}{r['title']}（{self.names.get(r['intent'], r['intent'])}）\n{r['filled']}")
            it.setData(Qt.UserRole, r["id"])
            self.try_results.addItem(it)
        self.last_suggestions = s

    def _open_tried(self, item: QListWidgetItem) -> None:
        self.open_reply(item.data(Qt.UserRole))

    # --- 商品 tab ------------------------------------------------------------------------------

    def _products_tab(self) -> QWidget:
        self.ptable = QTableWidget(0, 5)
        self.ptable.setHorizontalHeaderLabels(["编码", "名称", "类目", "价格", "关键词"])
        self.ptable.verticalHeader().hide()
        self.ptable.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.ptable.setSelectionMode(QAbstractItemView.SingleSelection)
        self.ptable.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        self.ptable.itemSelectionChanged.connect(self._product_selected)
        self.p_fields = {k: QLineEdit() for k in ("sku", "name", "category", "price", "keywords", "tags", "descr")}
        labels = {"sku": "商品编码", "name": "名称", "category": "类目", "price": "价格", "keywords": "关键词",
                  "tags": "标签", "descr": "描述"}
        self.p_fields["keywords"].setPlaceholderText("顾客会怎么叫它，用逗号分开")
        self.p_current: str | None = None
        return _table_and_form(self.ptable, self.p_fields, labels,
                               self.new_product, self.save_product, self.delete_product)

    def refresh_products(self) -> None:
        rows = self.editor.products()
        self.ptable.setRowCount(len(rows))
        for i, p in enumerate(rows):
            self.ptable.setItem(i, 0, _item(p["sku"], p["sku"]))
            self.ptable.setItem(i, 1, _item(p["name"]))
            self.ptable.setItem(i, 2, _item(p["category"]))
            self.ptable.setItem(i, 3, _item("" if p["price"] is None else f"{p['price']:g}"))
            self.ptable.setItem(i, 4, _item("，".join(p["keywords"])))

    def _product_selected(self) -> None:
        rows = self.ptable.selectionModel().selectedRows()
        if not rows:
            return
        sku = self.ptable.item(rows[0].row(), 0).data(Qt.UserRole)
        p = next((x for x in self.editor.products() if x["sku"] == sku), None)
        if p is None:
            return
        self.p_current = sku
        for k, w in self.p_fields.items():
            v = p.get(k)
            w.setText("，".join(v) if isinstance(v, list) else "" if v is None else f"{v:g}" if isinstance(v, float) else str(v))

    def new_product(self) -> None:
        self.p_current = None
        self.ptable.clearSelection()
        for w in self.p_fields.values():
            w.clear()
        self.p_fields["sku"].setFocus()

    def save_product(self) -> str | None:
        data = {k: w.text().strip() for k, w in self.p_fields.items()}
        try:
            sku = self.editor.save_product(data, old_sku=self.p_current)
        except ValueError as exc:
            self.show_status(str(exc), error=True)
            return None
        self.p_current = sku
        self._after_change(f"已保存商品「{data['name']}」")
        return sku

    def delete_product(self) -> None:
        if not self.p_current:
            return
        try:
            self.editor.delete_product(self.p_current)
        except ValueError as exc:
            self.show_status(str(exc), error=True)
            return
        self.new_product()
        self._after_change("已删除商品（Ctrl+Z 撤销）")

    # --- 搭配推荐 tab ----------------------------------------------------------------------------

    def _rules_tab(self) -> QWidget:
        self.rtable = QTableWidget(0, 5)
        self.rtable.setHorizontalHeaderLabels(["买了商品", "或类目", "顾客类型", "推荐", "理由"])
        self.rtable.verticalHeader().hide()
        self.rtable.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.rtable.setSelectionMode(QAbstractItemView.SingleSelection)
        self.rtable.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        self.rtable.itemSelectionChanged.connect(self._rule_selected)
        self.r_fields = {k: QLineEdit() for k in ("when_product", "when_category", "customer", "recommend", "reason")}
        labels = {"when_product": "买了商品（编码）", "when_category": "或买了类目", "customer": "顾客类型",
                  "recommend": "推荐商品（编码）", "reason": "推荐理由"}
        self.r_fields["customer"].setPlaceholderText("any（所有顾客）/ 送礼 / 宝妈 / 学生 / 价格敏感 …")
        self.r_current: int | None = None
        return _table_and_form(self.rtable, self.r_fields, labels, self.new_rule, self.save_rule, self.delete_rule)

    def refresh_rules(self) -> None:
        rows = self.editor.rules()
        names = {p["sku"]: p["name"] for p in self.editor.products()}
        self.rtable.setRowCount(len(rows))
        for i, r in enumerate(rows):
            self.rtable.setItem(i, 0, _item(names.get(r["when_product"], r["when_product"] or ""), r["id"]))
            self.rtable.setItem(i, 1, _item(r["when_category"] or ""))
            self.rtable.setItem(i, 2, _item(r["customer"]))
            self.rtable.setItem(i, 3, _item(names.get(r["recommend"], r["recommend"])))
            self.rtable.setItem(i, 4, _item(r["reason"]))

    def _rule_selected(self) -> None:
        rows = self.rtable.selectionModel().selectedRows()
        if not rows:
            return
        rid = self.rtable.item(rows[0].row(), 0).data(Qt.UserRole)
        r = next((x for x in self.editor.rules() if x["id"] == rid), None)
        if r is None:
            return
        self.r_current = rid
        for k, w in self.r_fields.items():
            w.setText(str(r.get(k) or ""))

    def new_rule(self) -> None:
        self.r_current = None
        self.rtable.clearSelection()
        for w in self.r_fields.values():
            w.clear()
        self.r_fields["customer"].setText("any")

    def save_rule(self) -> int | None:
        data = {k: w.text().strip() for k, w in self.r_fields.items()}
        try:
            rid = self.editor.save_rule(data, self.r_current)
        except ValueError as exc:
            self.show_status(str(exc), error=True)
            return None
        self.r_current = rid
        self._after_change("已保存搭配规则")
        return rid

    def delete_rule(self) -> None:
        if self.r_current is None:
            return
        self.editor.delete_rule(self.r_current)
        self.new_rule()
        self._after_change("已删除搭配规则（Ctrl+Z 撤销）")

    # --- export / lint / backup -----------------------------------------------------------------

    def export(self, path: str | None = None) -> Path | None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "导出话术库", str(Path.home() / "话术库.xlsx"),
                                                  "Excel (*.xlsx);;CSV (*.csv)")
            if not path:
                return None
        try:
            res = kbio.export(self.engine.conn, path)
        except (ValueError, OSError) as exc:
            self.show_status(f"导出失败：{exc}", error=True)
            return None
        self.show_status(f"已导出 {res['replies']} 条话术到 {res['file']}")
        return Path(res["file"])

    def run_lint(self) -> list[dict]:
        found = lint.lint(self.engine.conn)
        if not found:
            self.show_status("检查完毕：没有发现问题")
        else:
            self.show_status(f"发现 {len(found)} 个问题：" + "；".join(p["message"] for p in found[:5])
                             + ("……" if len(found) > 5 else ""), error=True)
        return found

    def backup(self) -> Path | None:
        from assistant import backups
        from assistant.db import KBError

        try:
            dest = backups.make_backup(self.db_file, "manual")
        except (OSError, KBError) as exc:
            self.show_status(f"备份失败：{exc}", error=True)
            return None
        self.show_status(f"已备份到 {dest}")
        return dest

    BACKUP_REASONS = {"manual": "手动备份", "before-build": "重建前", "before-import": "导入前",
                      "before-restore": "恢复前", "corrupt": "损坏时留存"}

    def backup_choices(self) -> list:
        """Every backup, newest first, each checked (a broken one is listed but cannot be chosen)."""
        from assistant import backups

        return backups.list_backups(check=True)

    def choose_backup(self) -> QDialog:
        """A list of the backups (time, why it was made, the shop's replies and usage in it); 恢复
        puts the chosen one back after a confirmation. The current database is kept as a backup
        first, so a restore can be undone by restoring that one."""
        import time as _time

        d = QDialog(self)
        d.setWindowTitle("从备份恢复")
        lst = QListWidget(d)
        for b in self.backup_choices():
            when = _time.strftime("%Y-%m-%d %H:%M", _time.localtime(b.created))
            what = (f"自建话术 {b.user_replies} 条，使用记录 {b.usage_events} 条" if b.ok
                    else f"不能用：{b.problem}")
            why = self.BACKUP_REASONS.get(b.reason, b.reason)
            item = QListWidgetItem(f"{when}  {why}  {b.size / 1e6:.1f} MB  —  {what}")
            item.setData(Qt.UserRole, str(b.path))
            if not b.ok:
                item.setFlags(item.flags() & ~Qt.ItemIsEnabled)
            lst.addItem(item)
        note = QLabel("恢复后，现在的知识库会先另存为一个备份，想退回可以再从它恢复。" if lst.count()
                      else "还没有备份：先点“备份”。")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, parent=d)
        buttons.button(QDialogButtonBox.Ok).setText("恢复")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.button(QDialogButtonBox.Ok).setEnabled(False)
        lst.currentItemChanged.connect(lambda cur, _prev: buttons.button(QDialogButtonBox.Ok).setEnabled(
            cur is not None and bool(cur.flags() & Qt.ItemIsEnabled)))
        buttons.accepted.connect(d.accept)
        buttons.rejected.connect(d.reject)
        lay = QVBoxLayout(d)
        lay.addWidget(lst, 1)
        lay.addWidget(note)
        lay.addWidget(buttons)
        d.resize(640, 360)
        d.accepted.connect(lambda: lst.currentItem() and self.restore_from(lst.currentItem().data(Qt.UserRole)))
        self._backup_list = lst
        d.open()
        return d

    def restore_from(self, backup: str) -> None:
        """Hand the restore to the app (it closes every connection first) and close this window:
        it is opened anew on the restored database."""
        self.restore_requested.emit(str(backup))
        self.close()
        self.close_db()

    def closeEvent(self, event):  # noqa: N802
        self._check_timer.stop()
        super().closeEvent(event)

    def close_db(self) -> None:
        """Close the window's connection (the app quitting); the window is not used after this."""
        self._check_timer.stop()
        self._closed = True
        self.engine.close()


def _table_and_form(table, fields: dict, labels: dict, on_new, on_save, on_delete) -> QSplitter:
    """A list on the left, the selected row's fields with 新建 / 保存 / 删除 on the right (the
    products and the cross-sell rules tabs)."""
    form = QFormLayout()
    for k, w in fields.items():
        form.addRow(labels[k], w)
    btns = QHBoxLayout()
    for text, slot in (("新建", on_new), ("保存（Ctrl+S）", on_save), ("删除", on_delete)):
        b = QPushButton(text)
        b.clicked.connect(slot)
        btns.addWidget(b)
    btns.addStretch(1)
    right = QWidget()
    rl = QVBoxLayout(right)
    rl.addLayout(form)
    rl.addLayout(btns)
    rl.addStretch(1)
    split = QSplitter(Qt.Horizontal)
    split.addWidget(table)
    split.addWidget(right)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)
    return split
