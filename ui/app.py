"""Start the sidebar: engine thread + window. `kefu` with no arguments lands here."""
from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication

from assistant import paths
from assistant.engine import Conversation
from ui.fonts import apply_cjk_font
from ui.sidebar import Sidebar, copy_to_clipboard
from ui.worker import EngineThread


def _display_problem() -> str | None:
    if sys.platform.startswith("linux") and os.environ.get("QT_QPA_PLATFORM", "") not in ("offscreen", "minimal"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return "没有可用的显示器（DISPLAY 未设置）。请在桌面环境里启动，或用 `kefu suggest` 在终端使用。"
    return None


class App(QObject):
    """Lives in the GUI thread, so worker signals reach these slots queued (never on the worker)."""

    def __init__(self, db_file=None):
        super().__init__()
        self.window = Sidebar()
        self.engine = EngineThread(db_file)
        self._latest = 0
        worker = self.engine.worker
        worker.ready.connect(self._on_ready)
        worker.failed.connect(self._on_failed)
        worker.suggested.connect(self._on_suggested)
        self.window.message_changed.connect(self.analyse)
        self.window.reply_picked.connect(self._on_picked)

    @Slot(object)
    def _on_ready(self, stats: dict) -> None:
        eng = self.engine.worker.engine
        self.window.intent_names = dict(eng.intent_names) if eng else {}
        self.window.set_status(f"知识库：{stats.get('replies', 0)} 条话术 · 离线可用")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.window.set_status(message)

    @Slot(str)
    def _on_picked(self, text: str) -> None:
        copy_to_clipboard(text)
        self.window.show_toast("已复制，粘贴到聊天窗口即可")

    @Slot(str)
    def analyse(self, message: str) -> None:
        if not message.strip():
            self._latest = 0
            self.window.show_suggestions(None)
            return
        self._latest = self.engine.suggest(Conversation(message))

    @Slot(int, object)
    def _on_suggested(self, request_id: int, s) -> None:
        if request_id == self._latest:  # drop answers to messages that were replaced meanwhile
            self.window.show_suggestions(s)

    def start(self) -> None:
        self.engine.start()
        self.window.show()

    def stop(self) -> None:
        self.engine.stop()


def main(argv: list[str] | None = None) -> int:
    problem = _display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    logging.basicConfig(filename=str(paths.log_path()), level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("客服助手")
    apply_cjk_font(app)
    main_app = App()
    main_app.start()
    code = app.exec()
    main_app.stop()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
