"""A small stand-in for a chat client (千牛-like), run as its own process in the e2e tests.

It shows the customer's messages in a read-only history and has an input box. Like real chat
clients, the input box gets the keyboard focus back right after the agent copies from the history.
The test drives it through a Unix socket (one JSON command per line):
  {"cmd": "show", "messages": [...]}   → {"ok": true}
  {"cmd": "state"}                     → {"input": ..., "wid": ..., "history_at": [x, y], "input_at": [x, y], "active": bool}
  {"cmd": "clear"}                     → {"ok": true}
  {"cmd": "bubble", "role": "customer"|"agent", "text": ..., "nick": ..., "time": ...}
                                       → {"ok": true}  a chat bubble (left: customer, right: agent)
                                         under a grey "nick time" header, as 千牛/微信 draw them
  {"cmd": "bubbles_clear"}             → {"ok": true}
  state also has "bubbles_rect": [x, y, w, h] of the bubble view on the screen.
argv: SOCK X Y W H [TITLE]
"""
from __future__ import annotations

import json
import sys

from PySide6.QtCore import QEvent, QObject, QTimer, Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import (
    QApplication, QFrame, QLabel, QMainWindow, QPlainTextEdit, QPushButton, QHBoxLayout, QScrollArea,
    QVBoxLayout, QWidget,
)

TITLE = "千牛接待中心 - 顾客 小王（测试聊天窗口）"


class CopyRefocus(QObject):
    """After Ctrl+C in the history, give the focus back to the input box (as chat clients do)."""

    def __init__(self, history, inp):
        super().__init__()
        self.history, self.inp = history, inp

    def eventFilter(self, obj, e):  # noqa: N802
        if e.type() == QEvent.KeyPress and e.matches(QKeySequence.Copy):
            self.history.copy()
            QTimer.singleShot(0, self.inp.setFocus)
            return True
        return False


class BubbleView(QScrollArea):
    """The chat as bubbles: customer left on white, agent right on green, each under a grey
    "nick  2026-12-01 10:02:11" header; scrolled to the newest, as chat clients do."""

    def __init__(self):
        super().__init__()
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setStyleSheet("QScrollArea{background:#ededed;border:none;} #inner{background:#ededed;}")
        inner = QWidget()
        inner.setObjectName("inner")
        self.col = QVBoxLayout(inner)
        self.col.setContentsMargins(14, 10, 14, 10)
        self.col.setSpacing(4)
        self.col.addStretch(1)
        self.setWidget(inner)
        self.verticalScrollBar().rangeChanged.connect(lambda _a, b: self.verticalScrollBar().setValue(b))

    def add(self, role: str, text: str, nick: str, time: str) -> None:
        left = role == "customer"
        head = QLabel(f"{nick}  {time}")
        head.setStyleSheet("color:#8a8a8a;")
        hf = head.font()
        hf.setPointSize(9)
        head.setFont(hf)
        bubble = QLabel(text)
        bubble.setWordWrap(True)
        bubble.setStyleSheet("QLabel{background:%s;color:#111;border-radius:6px;padding:8px 10px;}"
                             % ("#ffffff" if left else "#95ec69"))
        bf = bubble.font()
        bf.setPointSize(12)
        bubble.setFont(bf)
        from PySide6.QtGui import QFontMetrics

        widest = int(max(300, self.viewport().width()) * 0.66)
        bubble.setFixedWidth(min(widest, QFontMetrics(bf).horizontalAdvance(text) + 24))
        for w in (head, bubble):
            row = QHBoxLayout()
            if not left:
                row.addStretch(1)
            row.addWidget(w)
            if left:
                row.addStretch(1)
            self.col.insertLayout(self.col.count(), row)
        self.col.addSpacing(8)

    def clear(self) -> None:
        while self.col.count() > 1:
            item = self.col.takeAt(1)
            lay = item.layout()
            if lay is not None:
                while lay.count():
                    w = lay.takeAt(0).widget()
                    if w is not None:
                        w.deleteLater()


class ChatWindow(QMainWindow):
    def __init__(self, title: str = TITLE):
        super().__init__()
        self.setWindowTitle(title)
        head = QLabel("顾客：小王　　订单来自 淘宝 · 天猫旗舰店")
        head.setStyleSheet("background:#ff6a00;color:white;padding:8px;font-weight:bold;")
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.history.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.history.setStyleSheet("QPlainTextEdit{background:#f5f5f5;border:none;padding:10px;}")
        f = self.history.font()
        f.setPointSize(13)
        self.history.setFont(f)
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText("在这里输入回复…")
        self.input.setFixedHeight(150)
        self.input.setFont(QFont(f.family(), 12))
        send = QPushButton("发送(S)")
        send.setStyleSheet("background:#ff6a00;color:white;padding:6px 18px;border-radius:4px;")
        send.setFocusPolicy(Qt.NoFocus)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(send)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 8)
        lay.addWidget(head)
        self.bubbles = BubbleView()
        split = QHBoxLayout()
        split.addWidget(self.bubbles, 3)
        split.addWidget(self.history, 2)
        lay.addLayout(split, 1)
        lay.addWidget(self.input)
        lay.addLayout(row)
        self.setCentralWidget(body)
        self.filter = CopyRefocus(self.history, self.input)
        self.history.installEventFilter(self.filter)
        self.input.setFocus()

    def show_messages(self, messages: list[str]) -> None:
        self.history.setPlainText("\n".join(messages))
        self.input.setFocus()

    def state(self) -> dict:
        h = self.history.viewport().mapToGlobal(self.history.viewport().rect().center())
        i = self.input.viewport().mapToGlobal(self.input.viewport().rect().center())
        return {"input": self.input.toPlainText(), "wid": int(self.winId()), "history_at": [h.x(), h.y()],
                "input_at": [i.x(), i.y()], "active": self.isActiveWindow(),
                "focus": type(QApplication.focusWidget()).__name__ if QApplication.focusWidget() else None,
                "input_focused": self.input.hasFocus(), "bubbles_rect": self._bubbles_rect(),
                "title": self.windowTitle()}

    def _bubbles_rect(self) -> list[int]:
        vp = self.bubbles.viewport()
        tl = vp.mapToGlobal(vp.rect().topLeft())
        return [tl.x(), tl.y(), vp.width(), vp.height()]


def main() -> int:
    sock_path, x, y, w, h = sys.argv[1], *map(int, sys.argv[2:6])
    title = sys.argv[6] if len(sys.argv) > 6 else TITLE
    app = QApplication(sys.argv[:1])
    from ui.fonts import apply_cjk_font

    apply_cjk_font(app, 11)
    win = ChatWindow(title)
    win.setGeometry(x, y, w, h)
    server = QLocalServer()
    QLocalServer.removeServer(sock_path)
    if not server.listen(sock_path):
        print("listen failed", server.errorString(), file=sys.stderr)
        return 1

    def serve():
        while server.hasPendingConnections():
            s = server.nextPendingConnection()

            def read(s=s):
                while s.canReadLine():
                    req = json.loads(bytes(s.readLine()).decode("utf-8"))
                    if req["cmd"] == "show":
                        win.show_messages(req["messages"])
                        out = {"ok": True}
                    elif req["cmd"] == "clear":
                        win.input.clear()
                        out = {"ok": True}
                    elif req["cmd"] == "bubble":
                        win.bubbles.add(req["role"], req["text"], req.get("nick", ""), req.get("time", ""))
                        out = {"ok": True}
                    elif req["cmd"] == "bubbles_clear":
                        win.bubbles.clear()
                        out = {"ok": True}
                    else:
                        out = win.state()
                    s.write(json.dumps(out, ensure_ascii=False).encode("utf-8") + b"\n")
                    s.flush()

            s.readyRead.connect(read)

    server.newConnection.connect(serve)
    win.show()
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
