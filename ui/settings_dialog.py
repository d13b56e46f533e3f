"""Settings dialog: hotkeys (with a live conflict check), dock side, opacity, auto-send and the
send key per platform, portable mode, font size, and the chat-client profiles (screen-watch area,
send key, 违禁词, variables, title words)."""
from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QKeySequenceEdit,
    QLabel, QLineEdit, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget,
)

import re

from assistant import paths
from assistant import profiles as chat_profiles
from assistant.platform.chat_clients import PLATFORM_CHOICES
from assistant.platform.hotkeys import check_conflicts, parse_combo
from assistant.settings import DOCK_CHOICES, HOTKEY_NAMES, Settings

SEND_KEYS = [("enter", "回车"), ("ctrl+enter", "Ctrl+回车")]


def qt_to_combo(seq: QKeySequence) -> str:
    """QKeySequence ("Alt+W", "Meta+F2") → our combo text ("alt+w"); "" when empty."""
    s = seq.toString(QKeySequence.PortableText)
    if not s:
        return ""
    s = s.split(",")[0].strip()
    try:
        return str(parse_combo(s.replace("Meta", "Win")))
    except ValueError:
        return s.lower()


def combo_to_qt(combo: str) -> QKeySequence:
    if not combo:
        return QKeySequence()
    try:
        label = parse_combo(combo).label().replace("Win+", "Meta+")
    except ValueError:
        return QKeySequence()
    return QKeySequence.fromString(label, QKeySequence.PortableText)


class HotkeyField(QWidget):
    def __init__(self, combo: str, parent=None):
        super().__init__(parent)
        self.edit = QKeySequenceEdit(combo_to_qt(combo))
        self.edit.setMaximumSequenceLength(1)
        self.clear_btn = QPushButton("清除")
        self.clear_btn.clicked.connect(self.edit.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.clear_btn)

    def combo(self) -> str:
        return qt_to_combo(self.edit.keySequence())

    def set_combo(self, combo: str) -> None:
        self.edit.setKeySequence(combo_to_qt(combo))


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, portable: bool | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("客服助手 · 设置")
        self.setWindowFlag(Qt.WindowStaysOnTopHint, True)
        self.original = settings
        self.result_settings = copy.deepcopy(settings)

        self.hotkeys = {name: HotkeyField(settings.hotkeys.get(name, "")) for name in HOTKEY_NAMES}
        self.conflicts = QLabel()
        self.conflicts.setWordWrap(True)
        self.conflicts.setStyleSheet("color:#c62828;")
        hk = QGroupBox("全局快捷键")
        f = QFormLayout(hk)
        for name, label in HOTKEY_NAMES.items():
            f.addRow(label, self.hotkeys[name])
            self.hotkeys[name].edit.keySequenceChanged.connect(self._check)
        f.addRow(self.conflicts)
        tip = QLabel("避免 Ctrl+Alt（等于 AltGr）、Ctrl+空格 / Ctrl+Shift / Ctrl+. 等输入法快捷键。")
        tip.setWordWrap(True)
        tip.setStyleSheet("color:#78909c;")
        f.addRow(tip)

        self.dock = QComboBox()
        for key, label in DOCK_CHOICES:
            self.dock.addItem(label, key)
        self.dock.setCurrentIndex(max(0, self.dock.findData(settings.dock)))
        self.opacity = QSlider(Qt.Horizontal)
        self.opacity.setRange(30, 100)
        self.opacity.setValue(round(settings.opacity * 100))
        self.opacity_label = QLabel(f"{self.opacity.value()}%")
        self.opacity.valueChanged.connect(lambda v: self.opacity_label.setText(f"{v}%"))
        op_row = QHBoxLayout()
        op_row.addWidget(self.opacity, 1)
        op_row.addWidget(self.opacity_label)
        self.font_size = QSpinBox()
        self.font_size.setRange(8, 20)
        self.font_size.setValue(settings.font_size)
        self.compact = QCheckBox("精简模式（只看标签和话术）")
        self.compact.setChecked(settings.compact)
        look = QGroupBox("窗口")
        f2 = QFormLayout(look)
        f2.addRow("停靠位置", self.dock)
        f2.addRow("不透明度", op_row)
        f2.addRow("字号", self.font_size)
        f2.addRow(self.compact)
        self.fold = QCheckBox("没有把握的答案先收起（按 G 展开）")
        self.fold.setChecked(settings.fold_unsure)
        f2.addRow(self.fold)

        self.watch = QCheckBox("复制顾客消息时自动分析")
        self.watch.setChecked(settings.watch_clipboard)
        self.remember = QCheckBox("短消息结合同一窗口几分钟内的消息和回复理解")
        self.remember.setChecked(settings.remember_context)
        self.auto_send = QCheckBox("粘贴后自动发送")
        self.auto_send.setChecked(settings.auto_send)
        self.send_keys: dict[str, QComboBox] = {}
        paste = QGroupBox("粘贴与发送")
        f3 = QFormLayout(paste)
        f3.addRow(self.watch)
        f3.addRow(self.remember)
        f3.addRow(self.auto_send)
        for pid, name in PLATFORM_CHOICES:
            cb = QComboBox()
            for key, label in SEND_KEYS:
                cb.addItem(label, key)
            cb.setCurrentIndex(max(0, cb.findData(settings.send_keys.get(pid, "enter"))))
            cb.setEnabled(settings.auto_send)
            self.auto_send.toggled.connect(cb.setEnabled)
            self.send_keys[pid] = cb
            f3.addRow(f"{name} 发送键", cb)

        shop = QGroupBox("店铺信息（填进话术里的 {店铺名} {客服名} {快递公司}）")
        f4 = QFormLayout(shop)
        self.shop_name = QLineEdit(settings.shop_name)
        self.shop_name.setPlaceholderText("本店")
        self.agent_name = QLineEdit(settings.agent_name)
        self.agent_name.setPlaceholderText("小客")
        self.courier = QLineEdit(settings.courier)
        self.courier.setPlaceholderText("快递（例如：中通、顺丰）")
        for w in (self.shop_name, self.agent_name, self.courier):
            w.setMaxLength(20)
        f4.addRow("店铺名", self.shop_name)
        f4.addRow("客服名", self.agent_name)
        f4.addRow("默认快递", self.courier)

        self.profile_box = ProfileEditor(settings)

        self.portable = QCheckBox(
            f"便携模式：数据放在程序旁的 {paths.portable_data_dir().name} 文件夹（重启后生效）")
        self.portable.setChecked(paths.is_portable() if portable is None else portable)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("保存")
        self.buttons.button(QDialogButtonBox.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        # two columns: the dialog stays under 500 px high, whole on a 1366×768 shop laptop
        left, right = QVBoxLayout(), QVBoxLayout()
        for w in (hk, look, shop):
            left.addWidget(w)
        for w in (paste, self.profile_box, self.portable):
            right.addWidget(w)
        left.addStretch(1)
        right.addStretch(1)
        cols = QHBoxLayout()
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(cols)
        lay.addWidget(self.buttons)
        self._check()

    def combos(self) -> dict[str, str]:
        return {name: f.combo() for name, f in self.hotkeys.items()}

    def _check(self, *_) -> dict[str, str]:
        problems = check_conflicts(self.combos())
        self.conflicts.setText("\n".join(f"{HOTKEY_NAMES[n]}：{p}" for n, p in problems.items()))
        self.conflicts.setVisible(bool(problems))
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(not problems)
        return problems

    def accept(self) -> None:
        if self._check():
            return
        s = self.result_settings
        s.hotkeys = self.combos()
        s.dock = self.dock.currentData()
        s.opacity = self.opacity.value() / 100
        s.font_size = self.font_size.value()
        s.compact = self.compact.isChecked()
        s.fold_unsure = self.fold.isChecked()
        s.watch_clipboard = self.watch.isChecked()
        s.remember_context = self.remember.isChecked()
        s.auto_send = self.auto_send.isChecked()
        s.send_keys = {pid: cb.currentData() for pid, cb in self.send_keys.items()}
        s.shop_name = self.shop_name.text().strip()
        s.agent_name = self.agent_name.text().strip()
        s.courier = self.courier.text().strip()
        s.profiles = self.profile_box.overrides()
        self.portable_choice = self.portable.isChecked()
        super().accept()


class ProfileEditor(QGroupBox):
    """One chat client's profile at a time: pick it, edit it; what differs from the built-in
    profile is kept as that profile's overrides."""

    def __init__(self, settings: Settings, parent=None):
        super().__init__("聊天平台（按前台窗口自动选择）", parent)
        self.work = copy.deepcopy(settings.profiles) if isinstance(settings.profiles, dict) else {}
        self.send_keys = dict(settings.send_keys)
        self.which = QComboBox()
        for p in chat_profiles.builtin():
            self.which.addItem(p.name, p.id)
        self.titles = QLineEdit()
        self.titles.setPlaceholderText("窗口标题里还会出现的词，逗号分隔")
        self.send_key = QComboBox()
        for key, label in SEND_KEYS:
            self.send_key.addItem(label, key)
        self.side = QComboBox()
        self.side.addItem("左边", "left")
        self.side.addItem("右边", "right")
        self.banned = QLineEdit()
        self.banned.setPlaceholderText("这个平台另外不许说的词，逗号分隔")
        self.variables = QLineEdit()
        self.variables.setPlaceholderText("店铺名=某某旗舰店，客服名=小美")
        self.area = QLabel()
        self.clear_area = QPushButton("清除区域")
        self.clear_area.clicked.connect(self._clear_area)
        area_row = QHBoxLayout()
        area_row.addWidget(self.area, 1)
        area_row.addWidget(self.clear_area)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#c62828;")
        self.problem.hide()
        f = QFormLayout(self)
        f.addRow("平台", self.which)
        f.addRow("看屏区域", area_row)
        f.addRow("顾客消息在", self.side)
        f.addRow("发送键", self.send_key)
        f.addRow("平台违禁词", self.banned)
        f.addRow("话术变量", self.variables)
        f.addRow("标题关键词", self.titles)
        f.addRow(self.problem)
        self._current = None
        self.which.currentIndexChanged.connect(self._switch)
        self._switch()

    def _profile(self, pid: str) -> chat_profiles.Profile:
        return next(p for p in chat_profiles.load(self.work, self.send_keys) if p.id == pid)

    def _switch(self, *_) -> None:
        if self._current is not None:
            self._store(self._current)
        pid = self.which.currentData()
        self._current = pid
        p = self._profile(pid)
        base = next(b for b in chat_profiles.builtin() if b.id == pid)
        self.titles.setText("，".join(t for t in p.titles if t not in base.titles))
        self.send_key.setCurrentIndex(max(0, self.send_key.findData(p.send_key)))
        self.side.setCurrentIndex(max(0, self.side.findData(p.customer_side)))
        self.banned.setText("，".join(p.banned))
        self.variables.setText("，".join(f"{k}={v}" for k, v in p.variables.items()))
        self._show_area(p.area)

    def _show_area(self, area) -> None:
        self.area.setText(f"已框选：距窗口左上角 {area[0]},{area[1]}，{area[2]}×{area[3]}" if area else
                          "未框选（打开看屏时框选，或托盘菜单 → 框选聊天区域）")
        self.clear_area.setEnabled(bool(area))

    def _clear_area(self) -> None:
        self.work.setdefault(self._current, {})["area"] = None
        self._show_area(None)

    @staticmethod
    def _words(text: str) -> list[str]:
        return [w.strip() for w in re.split(r"[，,、;；\s]+", text) if w.strip()]

    def _store(self, pid: str) -> None:
        p = self._profile(pid)
        variables, bad = {}, []
        for item in self._words(self.variables.text()):
            k, sep, v = item.partition("=")
            if not sep:
                k, sep, v = item.partition("＝")
            if sep and k.strip().strip("{}") and v.strip():
                variables[k.strip().strip("{}")] = v.strip()
            else:
                bad.append(item)
        self.problem.setText(f"没看懂的变量（写成 名=值）：{'、'.join(bad)}" if bad else "")
        self.problem.setVisible(bool(bad))
        base = next(b for b in chat_profiles.builtin() if b.id == pid)
        edited = chat_profiles.replace(p, titles=base.titles + tuple(self._words(self.titles.text())),
                                       send_key=self.send_key.currentData(), customer_side=self.side.currentData(),
                                       banned=tuple(self._words(self.banned.text())), variables=variables)
        o = chat_profiles.to_override(edited, base)
        if (self.work.get(pid) or {}).get("area", "unset") is None:
            o["area"] = None
        if o:
            self.work[pid] = o
        else:
            self.work.pop(pid, None)

    def overrides(self) -> dict:
        self._store(self._current)
        return {pid: o for pid, o in self.work.items() if o}
