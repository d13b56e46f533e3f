"""Fixtures for the end-to-end tests: one real X desktop (Xvfb + openbox) per session, the test
chat window and the real sidebar app as separate processes."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desktop import Chat, SidebarProc, XDesktop  # noqa: E402


@pytest.fixture(scope="session")
def xdesktop():
    if not sys.platform.startswith("linux"):
        pytest.skip("端到端测试需要 Linux + Xvfb")
    missing = XDesktop.missing()
    if missing:
        pytest.skip(f"无法运行端到端测试：{missing}")
    desk = XDesktop(1920, 1080).start()
    yield desk
    desk.stop()


@pytest.fixture(scope="module")
def e2e_home(tmp_path_factory, built_db) -> Path:
    home = tmp_path_factory.mktemp("e2e-home")
    shutil.copy2(built_db, home / "knowledge.db")
    return home


@pytest.fixture(scope="module")
def chat(xdesktop, e2e_home):
    c = Chat(xdesktop, e2e_home / "chat.sock")
    yield c
    c.proc.terminate()
    c.proc.wait(5)


@pytest.fixture(scope="module")
def sidebar(xdesktop, e2e_home, chat):
    s = SidebarProc(xdesktop, e2e_home, settings={"dock": "right", "geometry": [0, 0, 420, 1000]})
    yield s
    s.stop()
