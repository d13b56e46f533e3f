"""新建话术 from a knowledge gap in the stats window: a small dialog that saves a user reply
(``assistant.usage.add_user_reply``) for a group of customer questions.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout,
)

from assistant import kb, usage
from assistant.db import KBError, connect


# --- create a reply from a gap ----------------------------------------------------------------

class CreateReplyDialog(QDialog):
    """Intent, title, text and trigger phrasings (the gap's questions) → a user reply."""

    saved = Signal(int)

    def __init__(self, db_file: Path, gap: dict | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("从知识缺口新建话术")
        self.db_file = Path(db_file)
        self.reply_id: int | None = None
        gap = gap or {}
        self.intent = QComboBox()
        conn = connect(self.db_file)
        try:
            intents = sorted(kb.intent_names(conn).items())
        finally:
            conn.close()
        for iid, name in intents:
            self.intent.addItem(f"{name}（{iid}）", iid)
        if gap.get("intent"):
            i = self.intent.findData(gap["intent"])
            if i >= 0:
                self.intent.setCurrentIndex(i)
        self.title = QLineEdit((gap.get("example") or "")[:14])
        self.title.setPlaceholderText("在列表里显示的短标题")
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("写给顾客的回复。可以用 {顾客称呼}、{订单号}、{商品} 等变量。")
        self.body.setMinimumHeight(90)
        self.triggers = QPlainTextEdit("\n".join(gap.get("messages") or []))
        self.triggers.setToolTip("顾客可能怎么问，一行一个；之后这些问法会推荐这条话术")
        self.triggers.setMinimumHeight(80)
        self.code = QLineEdit()
        self.code.setPlaceholderText("可选，例如 hwjs（输入 /hwjs 搜索）")
        self.error = QLabel()
        self.error.setStyleSheet("color:#c62828;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("意图", self.intent)
        form.addRow("标题", self.title)
        form.addRow("话术内容", self.body)
        form.addRow("顾客问法", self.triggers)
        form.addRow("快捷码", self.code)
        buttons = QDialogButtonBox()
        self.save_btn = buttons.addButton("保存话术", QDialogButtonBox.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        hint = QLabel("为这组顾客问题写一条回复。保存后，这些问法就会推荐它（侧边栏重新载入知识库后生效）。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color:#546e7a;")
        lay = QVBoxLayout(self)
        lay.addWidget(hint)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(560, 480)
        self.body.setFocus()

    def save(self) -> None:
        try:
            conn = connect(self.db_file)
            try:
                rid = usage.add_user_reply(
                    conn, intent=self.intent.currentData(), body=self.body.toPlainText(),
                    title=self.title.text(), triggers=self.triggers.toPlainText().splitlines(),
                    code=self.code.text())
            finally:
                conn.close()
        except (ValueError, KBError) as exc:
            self.error.setText(str(exc))
            return
        self.reply_id = rid
        self.saved.emit(rid)
        self.accept()
