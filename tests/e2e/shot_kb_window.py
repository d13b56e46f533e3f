"""Screenshot of the 话术库 window on Xvfb (docs/screenshots/kb-window.png).

    .venv/bin/python tests/e2e/shot_kb_window.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from desktop import ROOT, XDesktop  # noqa: E402

SCRIPT = r"""
import sys
from PySide6.QtWidgets import QApplication
from ui.fonts import apply_cjk_font
from ui.kb_window import KBWindow
app = QApplication(sys.argv[:1])
apply_cjk_font(app, 10)
w = KBWindow(sys.argv[1], profile={"shop_name": "小王家居", "agent_name": "小美"})
w.move(40, 30)
w.resize(1280, 800)
w.show()
w.search.setText("发货")
w.table.selectRow(0)
w.text_edit.setPlainText(w.text_edit.toPlainText() + " {优惠码}")
w.refresh_checks()
w.try_edit.setText("我昨天下的单什么时候能发货呀")
w.try_message()
print("ready", flush=True)
app.exec()
"""


def main() -> int:
    desk = XDesktop(1360, 860).start()
    home = Path(tempfile.mkdtemp(prefix="kefu-shot-kb-"))
    try:
        from assistant import kb

        kb.build(home / "knowledge.db")
        proc = desk.spawn([sys.executable, "-c", SCRIPT, str(home / "knowledge.db")],
                          env={"KEFU_HOME": str(home)}, stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(1.0)
        out = ROOT / "docs" / "screenshots" / "kb-window.png"
        desk.screenshot(out)
        print("wrote", out)
        proc.terminate()
        proc.wait(10)
    finally:
        desk.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
