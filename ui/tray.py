"""Tray icon: show/hide, pause watching, 话术库, usage statistics, import, settings, quit. The same menu is reachable from the
sidebar (right-click the title bar) when the desktop has no tray."""
from __future__ import annotations

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon


def app_icon(paused: bool = False) -> QIcon:
    pm = QPixmap(64, 64)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setBrush(QColor("#9e9e9e" if paused else "#1e88e5"))
    p.setPen(Qt.NoPen)
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
    p.setPen(QColor("white"))
    f = QFont()
    f.setPixelSize(38)
    f.setBold(True)
    p.setFont(f)
    p.drawText(QRectF(0, 0, 64, 64), Qt.AlignCenter, "客")
    p.end()
    return QIcon(pm)


class Tray(QObject):
    toggle_window = Signal()
    pause_toggled = Signal(bool)
    settings_requested = Signal()
    stats_requested = Signal()
    import_requested = Signal()
    kb_requested = Signal()
    watch_toggled = Signal(bool)
    mark_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.menu = QMenu()
        self.show_action = QAction("显示/隐藏侧栏", self)
        self.pause_action = QAction("暂停监听（剪贴板和快捷键）", self)
        self.pause_action.setCheckable(True)
        self.watch_action = QAction("看屏读消息（不用复制）", self)
        self.watch_action.setCheckable(True)
        self.mark_action = QAction("框选聊天区域…", self)
        self.settings_action = QAction("设置…", self)
        self.stats_action = QAction("统计", self)
        self.import_action = QAction("导入话术表…", self)
        self.kb_action = QAction("话术库", self)
        self.quit_action = QAction("退出", self)
        for a in (self.show_action, self.pause_action, self.watch_action, self.mark_action, self.kb_action,
                  self.stats_action, self.import_action, self.settings_action):
            self.menu.addAction(a)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.show_action.triggered.connect(self.toggle_window)
        self.pause_action.toggled.connect(self._paused)
        self.settings_action.triggered.connect(self.settings_requested)
        self.watch_action.toggled.connect(self.watch_toggled)
        self.mark_action.triggered.connect(self.mark_requested)
        self.stats_action.triggered.connect(self.stats_requested)
        self.import_action.triggered.connect(self.import_requested)
        self.kb_action.triggered.connect(self.kb_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setToolTip("客服助手")
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> bool:
        if not self.available:
            return False
        self.icon.show()
        return True

    def hide(self) -> None:
        self.icon.hide()

    def close(self) -> None:
        """Unhook the menu before either is destroyed (the icon keeps a guarded pointer to it)."""
        self.icon.hide()
        self.icon.setContextMenu(None)
        self.menu.deleteLater()

    def set_paused(self, paused: bool) -> None:
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.blockSignals(False)
        self._update(paused)

    def set_watching(self, on: bool) -> None:
        self.watch_action.blockSignals(True)
        self.watch_action.setChecked(on)
        self.watch_action.blockSignals(False)
        self.icon.setToolTip("客服助手（看屏中）" if on else "客服助手")

    def _paused(self, paused: bool) -> None:
        self._update(paused)
        self.pause_toggled.emit(paused)

    def _update(self, paused: bool) -> None:
        self.icon.setIcon(app_icon(paused))
        self.icon.setToolTip("客服助手（已暂停）" if paused else "客服助手")

    def _activated(self, reason) -> None:
        if reason in (QSystemTrayIcon.Trigger, QSystemTrayIcon.DoubleClick):
            self.toggle_window.emit()
