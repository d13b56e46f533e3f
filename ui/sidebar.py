"""The sidebar window: message in, analysis chips, ranked replies, empathy, SOP step, cross-sell."""
from __future__ import annotations

import html

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea,
    QHBoxLayout, QVBoxLayout, QWidget,
)

from assistant.engine import Conversation, Suggestions

EMOTION_ZH = {"calm": "平静", "anxious": "焦急", "angry": "愤怒", "disappointed": "失望",
              "confused": "困惑", "satisfied": "满意"}
EMOTION_COLOR = {"calm": "#607d8b", "anxious": "#ef6c00", "angry": "#c62828", "disappointed": "#6a1b9a",
                 "confused": "#1565c0", "satisfied": "#2e7d32"}
STAGE_ZH = {"presale": "售前", "order": "售中", "aftersale": "售后", "any": "通用"}
ENTITY_ZH = {"order_no": "订单", "phone": "电话", "amount": "金额", "size": "尺码", "product": "商品"}

STYLE = """
QWidget#sidebar { background: #f7f8fa; }
QLabel.section { color: #455a64; font-weight: bold; margin-top: 6px; }
QListWidget { background: white; border: 1px solid #dde1e6; border-radius: 6px; }
QListWidget::item { padding: 6px 4px; border-bottom: 1px solid #eef0f3; }
QListWidget::item:selected { background: #e3f2fd; color: #0d47a1; }
QPlainTextEdit { background: white; border: 1px solid #cfd8dc; border-radius: 6px; }
QLabel#warn { color: #b71c1c; font-weight: bold; }
QLabel.card { background: white; border: 1px solid #e0e4e8; border-radius: 6px; padding: 6px; }
QPushButton { padding: 3px 8px; }
"""


def chip(textv: str, color: str) -> str:
    return (f'<span style="background:{color};color:white;border-radius:4px;">&nbsp;{html.escape(textv)}&nbsp;</span>')


class Sidebar(QWidget):
    """Pure view + keyboard handling. The app wires it to the engine thread."""

    message_changed = Signal(str)  # debounced text of the input box
    reply_picked = Signal(str)  # final text the agent chose (empathy prepended if asked)

    def __init__(self, intent_names: dict[str, str] | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setWindowTitle("客服助手")
        self.setStyleSheet(STYLE)
        self.intent_names = intent_names or {}
        self.suggestions: Suggestions | None = None
        self._prepend_empathy = False

        self.input = QPlainTextEdit()
        self.input.setPlaceholderText("复制顾客消息会自动分析，也可以在这里粘贴或输入")
        self.input.setFixedHeight(64)
        self.status = QLabel("正在打开知识库…")
        self.status.setStyleSheet("color:#78909c;")
        self.chips = QLabel()
        self.chips.setTextFormat(Qt.RichText)
        self.chips.setWordWrap(True)
        self.warn = QLabel()
        self.warn.setObjectName("warn")
        self.warn.setWordWrap(True)
        self.warn.hide()
        self.replies = QListWidget()
        self.replies.setWordWrap(True)
        self.replies.setMinimumHeight(220)
        self.replies.itemActivated.connect(self._activate_item)
        self.empathy = QLabel()
        self.empathy.setWordWrap(True)
        self.empathy.setProperty("class", "card")
        self.empathy_btn = QPushButton("加上共情开场 (E)")
        self.empathy_btn.setCheckable(True)
        self.empathy_btn.toggled.connect(self._toggle_empathy)
        self.subtext = QLabel()
        self.subtext.setWordWrap(True)
        self.subtext.setProperty("class", "card")
        self.playbook = QLabel()
        self.playbook.setWordWrap(True)
        self.playbook.setTextFormat(Qt.RichText)
        self.playbook.setProperty("class", "card")
        self.cross = QLabel()
        self.cross.setWordWrap(True)
        self.cross.setProperty("class", "card")
        self.toast = QLabel()
        self.toast.setStyleSheet("color:#2e7d32;")

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(4)
        lay.addWidget(self.input)
        lay.addWidget(self.chips)
        lay.addWidget(self.warn)
        lay.addWidget(self._section("推荐话术（数字键 1–9 选用）"))
        lay.addWidget(self.replies, 3)
        row = QHBoxLayout()
        row.addWidget(self._section("共情开场"))
        row.addStretch(1)
        row.addWidget(self.empathy_btn)
        lay.addLayout(row)
        lay.addWidget(self.empathy)
        lay.addWidget(self._section("顾客可能的意思"))
        lay.addWidget(self.subtext)
        lay.addWidget(self._section("处理流程"))
        lay.addWidget(self.playbook)
        lay.addWidget(self._section("可以推荐"))
        lay.addWidget(self.cross)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        foot = QHBoxLayout()
        foot.setContentsMargins(8, 0, 8, 4)
        foot.addWidget(self.status, 1)
        foot.addWidget(self.toast)
        outer.addLayout(foot)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(lambda: self.message_changed.emit(self.input.toPlainText()))
        self.input.textChanged.connect(self._debounce.start)
        for n in range(1, 10):
            sc = QShortcut(QKeySequence(str(n)), self.replies)
            sc.setContext(Qt.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda n=n: self.pick(n - 1))
        sc = QShortcut(QKeySequence("E"), self.replies)
        sc.setContext(Qt.WidgetWithChildrenShortcut)
        sc.activated.connect(self.empathy_btn.toggle)
        sc = QShortcut(QKeySequence("Ctrl+Return"), self.input)
        sc.setContext(Qt.WidgetShortcut)
        sc.activated.connect(lambda: self.message_changed.emit(self.input.toPlainText()))
        self.resize(400, 860)
        self.show_suggestions(None)

    @staticmethod
    def _section(title: str) -> QLabel:
        lab = QLabel(title)
        lab.setProperty("class", "section")
        return lab

    # --- rendering --------------------------------------------------------------------------

    def set_status(self, message: str) -> None:
        self.status.setText(message)

    def show_suggestions(self, s: Suggestions | None) -> None:
        self.suggestions = s
        self.replies.clear()
        self.toast.clear()
        if s is None:
            self.chips.setText("")
            self.warn.hide()
            for lab in (self.empathy, self.subtext, self.playbook, self.cross):
                lab.setText("—")
            return
        a = s.analysis
        if a is not None:
            parts = [chip(self.intent_names.get(a.intent, a.intent), "#37474f"),
                     chip(STAGE_ZH.get(a.stage, a.stage), "#78909c"),
                     chip(f"{EMOTION_ZH.get(a.emotion, a.emotion)} {a.intensity:.1f}",
                          EMOTION_COLOR.get(a.emotion, "#607d8b"))]
            if a.urgent:
                parts.append(chip("紧急", "#d50000"))
            for key, value in a.entities.items():
                parts.append(chip(f"{ENTITY_ZH.get(key, key)}：{value}", "#00796b"))
            self.chips.setText(" ".join(parts))
        else:
            self.chips.setText("")
        if s.warnings:
            self.warn.setText("⚠ " + "\n⚠ ".join(s.warnings))
            self.warn.show()
        else:
            self.warn.hide()
        for i, r in enumerate(s.replies, 1):
            miss = f"\n【待填：{'、'.join(r['missing'])}】" if r["missing"] else ""
            item = QListWidgetItem(f"{i}. {r['filled']}{miss}")
            item.setData(Qt.UserRole, r)
            item.setToolTip(f"{r['title']} · {self.intent_names.get(r['intent'], r['intent'])} · {r['why']}")
            if r["missing"]:
                item.setForeground(Qt.darkRed)
            self.replies.addItem(item)
        if s.replies:
            self.replies.setCurrentRow(0)
        self.empathy.setText("\n".join(e["text"] for e in s.empathy) or "—")
        self.subtext.setText("\n".join(f"{x['meaning']} → {x['advice']}" for x in s.subtext) or "—")
        pb = s.playbook
        if pb:
            opts = "".join(f"<li>{html.escape(o)}</li>" for o in pb["options"])
            self.playbook.setText(
                f"<b>{html.escape(pb['name'])}</b> · 第 {pb['step_no']}/{len(pb['steps'])} 步：{html.escape(pb['step'])}"
                f"<ul style='margin:2px'>{opts}</ul><span style='color:#8d6e63'>权限：{html.escape(pb['limit'])}</span>")
        else:
            self.playbook.setText("—")
        self.cross.setText("\n".join(f"{c['product']}：{c['reason']}" for c in s.cross_sell) or "—")

    # --- picking ----------------------------------------------------------------------------

    def _toggle_empathy(self, on: bool) -> None:
        self._prepend_empathy = on

    def _activate_item(self, item: QListWidgetItem) -> None:
        self.pick(self.replies.row(item))

    def final_text(self, index: int) -> str | None:
        if not self.suggestions or not (0 <= index < len(self.suggestions.replies)):
            return None
        textv = self.suggestions.replies[index]["filled"]
        if self._prepend_empathy and self.suggestions.empathy:
            textv = self.suggestions.empathy[0]["text"] + textv
        return textv

    def pick(self, index: int) -> None:
        textv = self.final_text(index)
        if textv is None:
            return
        self.replies.setCurrentRow(index)
        self.reply_picked.emit(textv)

    def show_toast(self, message: str) -> None:
        self.toast.setText(message)
        QTimer.singleShot(2500, self.toast.clear)


def copy_to_clipboard(textv: str) -> None:
    QGuiApplication.clipboard().setText(textv)
