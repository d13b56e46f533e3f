"""A small label that shows how long the customer has been waiting (for the sidebar to embed).

    from assistant.response_time import ResponseTimer
    timer = ResponseTimer(warn_after=30)          # or learning.timer (assistant.usage.Learning)
    label = ResponseTimerLabel(timer)
    label.set_conversation("张三")                 # the chat the sidebar is looking at
    timer.message_arrived("张三"); timer.replied("张三")   # the app calls these (or UsageLog does)

The logic (what a wait is, per-day figures) lives in assistant/response_time.py; this widget only
reads it once a second: grey when nobody waits, green, amber from ⅔ of the threshold, red past it.
Double-click marks the customer as answered (the agent replied without the sidebar).
"""
from __future__ import annotations

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import QLabel

from assistant.response_time import ResponseTimer

COLORS = {  # level -> (text, background, border)
    "idle": ("#607d8b", "#eceff1", "#cfd8dc"),
    "ok": ("#1b5e20", "#e8f5e9", "#a5d6a7"),
    "soon": ("#e65100", "#fff3e0", "#ffb74d"),
    "late": ("#ffffff", "#c62828", "#b71c1c"),
}


def fmt_secs(s: float | None) -> str:
    if s is None:
        return "—"
    s = int(round(s))
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分 {s % 60:02d} 秒"
    return f"{s // 3600} 小时 {s % 3600 // 60} 分"


class ResponseTimerLabel(QLabel):
    """"等待 12 秒 · 今日首响 8 秒 · 平均 15 秒 · 接待 23" in a coloured pill."""

    level_changed = Signal(str)  # idle / ok / soon / late
    marked_replied = Signal(str)  # conversation the agent marked as answered (double-click)

    def __init__(self, timer: ResponseTimer, conversation: str = "", *, show_today: bool = True,
                 two_lines: bool = False, interval_ms: int = 1000, parent=None):
        super().__init__(parent)
        self.timer = timer
        self.conversation = conversation
        self.show_today = show_today
        self.two_lines = two_lines  # for a narrow sidebar: today's figures under the clock
        self._level = None
        self.setObjectName("responseTimer")
        self.setTextFormat(Qt.PlainText)
        self.setAlignment(Qt.AlignVCenter | Qt.AlignLeft)
        self.setMinimumHeight(24)
        self._tick = QTimer(self)
        self._tick.setInterval(interval_ms)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        self.refresh()

    def set_conversation(self, conversation: str) -> None:
        self.conversation = conversation or ""
        self.refresh()

    def level(self) -> str:
        return self.timer.level(self.conversation)

    def refresh(self) -> None:
        level = self.timer.level(self.conversation)
        waited = self.timer.elapsed(self.conversation)
        if level == "idle":
            head = "暂无等待"
        elif level == "late":
            head = f"顾客已等 {fmt_secs(waited)}，请尽快回复"
        else:
            head = f"顾客等待 {fmt_secs(waited)}"
        today = self.timer.today()
        tail = (f"今日首响 {fmt_secs(today['first_response_s'])} · 平均 {fmt_secs(today['avg_response_s'])}"
                f" · 接待 {today['handled']}")
        if not self.show_today:
            self.setText(head)
        else:
            self.setText(f"{head}\n{tail}" if self.two_lines else f"{head}  |  {tail}")
        others = [(c, s) for c, s in self.timer.waiting_conversations() if c != self.conversation]
        tip = [f"超过 {fmt_secs(self.timer.warn_after)} 变红；双击标记为已回复。", tail,
               f"今日消息 {today['messages']} 条，超时回复 {today['over_warn']} 次，未回复 {today['unanswered']} 条。"]
        if others:
            tip.append("其他在等的顾客：" + "，".join(f"{c or '—'} {fmt_secs(s)}" for c, s in others[:5]))
        self.setToolTip("\n".join(tip))
        if level != self._level:
            fg, bg, border = COLORS[level]
            weight = "bold" if level in ("soon", "late") else "normal"
            self.setStyleSheet(f"QLabel#responseTimer {{ color: {fg}; background: {bg}; border: 1px solid {border};"
                               f" border-radius: 4px; padding: 2px 8px; font-weight: {weight}; }}")
            self._level = level
            self.level_changed.emit(level)

    def mouseDoubleClickEvent(self, e):  # noqa: N802
        if self.timer.replied(self.conversation) is not None:
            self.marked_replied.emit(self.conversation)
        self.refresh()
        e.accept()
