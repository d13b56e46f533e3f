"""Shared fixtures: every test gets its own data dir and a real SQLite knowledge base.

The default knowledge base is built once per session (jieba + pypinyin make that ~4 s) and each
test that needs one gets a fresh copy, so tests never share a database.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def kefu_home(tmp_path, monkeypatch):
    home = tmp_path / "kefu-home"
    home.mkdir()
    monkeypatch.setenv("KEFU_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    from assistant import kb
    path = tmp_path_factory.mktemp("kb") / "knowledge.db"
    kb.build(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def db_file(built_db, kefu_home) -> Path:
    dest = kefu_home / "knowledge.db"
    shutil.copy2(built_db, dest)
    return dest


@pytest.fixture
def engine(db_file):
    from assistant.engine import Engine

    eng = Engine(db_file)
    yield eng
    eng.close()


AGENT_CLIP = "坐席自己剪贴板里的东西"  # what the agent had copied before the app borrowed the clipboard


@pytest.fixture
def desk():
    """A fake desktop with 千牛 in front and the agent's own text on the clipboard."""
    from assistant.platform.fakes import fake_adapters

    adapters, desktop = fake_adapters()
    chat = desktop.open("千牛接待中心 - 顾客小王", "AliWorkbench.exe")
    adapters.clipboard.copy_from_elsewhere(AGENT_CLIP)
    return adapters, desktop, chat


@pytest.fixture
def app_ui(qtbot, db_file, desk):
    """The whole app (sidebar, popup, engine thread) on real Qt over the fake desktop."""
    from ui.app import App
    from assistant.settings import Settings

    adapters, _, _ = desk
    a = App(db_file, adapters=adapters, settings=Settings())
    qtbot.addWidget(a.window)
    qtbot.addWidget(a.popup)
    a.start()
    # wait on what the GUI thread shows, not on the worker's cross-thread signal
    qtbot.waitUntil(lambda: "条话术" in a.window.status.text(), timeout=30000)
    yield a
    a.stop()


def pytest_sessionfinish(session, exitstatus):
    """Empty the clipboard before Qt is torn down: clipboard data a test left behind made the
    offscreen platform segfault at interpreter exit, after every test had passed."""
    import sys

    qtgui = sys.modules.get("PySide6.QtGui")
    if qtgui is not None and qtgui.QGuiApplication.instance() is not None:
        qtgui.QGuiApplication.clipboard().clear()
