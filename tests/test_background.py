"""ui/background.py and the windows that use it: slow work off the GUI thread, the answer (or the
error) back on it. Real Qt (offscreen), real SQLite."""
import sqlite3
import threading

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QObject  # noqa: E402

from ui.background import Background  # noqa: E402


def test_the_answer_and_the_error_arrive_on_the_gui_thread(qtbot):
    owner = QObject()
    bg = Background(owner)
    got = []
    gui = threading.current_thread()
    bg.run(lambda: threading.current_thread() is not gui, lambda r: got.append(("done", r, threading.current_thread())))
    bg.run(lambda: 1 / 0, None, lambda e: got.append(("error", type(e).__name__, threading.current_thread())))
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    assert sorted(g[:2] for g in got) == [("done", True), ("error", "ZeroDivisionError")]
    assert all(g[2] is gui for g in got)


def test_the_import_dialog_previews_imports_and_undoes_in_the_background(qtbot, db_file, tmp_path):
    from ui.import_dialog import ImportDialog

    sheet = tmp_path / "话术.csv"
    sheet.write_text("内容\n亲，我们家的杯子都是耐热玻璃，放心装开水\n", encoding="utf-8")
    d = ImportDialog(db_file)
    qtbot.addWidget(d)
    with qtbot.waitSignal(d.previewed, timeout=30000):
        d.choose(str(sheet))
    assert "可以导入 1 条" in d.status.text()
    with qtbot.waitSignal(d.imported, timeout=30000):
        d.run_import()
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT count(*) FROM replies WHERE text LIKE '%耐热玻璃%'").fetchone()[0] == 1
    with qtbot.waitSignal(d.imported, timeout=30000):
        d.undo()
    assert con.execute("SELECT count(*) FROM replies WHERE text LIKE '%耐热玻璃%'").fetchone()[0] == 0
    con.close()


def test_an_import_that_cannot_read_its_file_says_why(qtbot, db_file, tmp_path):
    from ui.import_dialog import ImportDialog

    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a spreadsheet")
    d = ImportDialog(db_file)
    qtbot.addWidget(d)
    with qtbot.waitSignal(d.finished_work, timeout=30000) as blocker:
        d.choose(str(bad))
    assert blocker.args == ["error"] and d.status.text().startswith("⚠")
