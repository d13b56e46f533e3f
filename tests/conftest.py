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


def pytest_sessionfinish(session, exitstatus):
    """Empty the clipboard before Qt is torn down: clipboard data a test left behind made the
    offscreen platform segfault at interpreter exit, after every test had passed."""
    import sys

    qtgui = sys.modules.get("PySide6.QtGui")
    if qtgui is not None and qtgui.QGuiApplication.instance() is not None:
        qtgui.QGuiApplication.clipboard().clear()
