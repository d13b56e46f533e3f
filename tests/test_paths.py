"""Portable mode: a `portable` marker beside the executable keeps every piece of data in data/
beside it; an older kefu-data/ folder keeps being used; KEFU_HOME still wins."""
from __future__ import annotations

import sys

import pytest

from assistant import paths


@pytest.fixture
def frozen_app(tmp_path, monkeypatch):
    """Pretend to be the frozen build living in tmp_path/kefu/."""
    app = tmp_path / "kefu"
    app.mkdir()
    exe = app / "kefu"
    exe.write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    monkeypatch.delenv("KEFU_HOME", raising=False)
    return app


def test_portable_marker_keeps_all_data_in_data_beside_the_executable(frozen_app):
    (frozen_app / "portable").write_text("", encoding="utf-8")
    assert paths.is_portable() and paths.data_dir_source() == "portable"
    data = frozen_app / "data"
    assert paths.data_dir() == data
    for p in (paths.db_path(), paths.settings_path(), paths.log_path()):
        assert p.parent == data
    assert paths.backups_dir() == data / "backups" and paths.backups_dir().is_dir()


def test_an_older_kefu_data_folder_is_still_used(frozen_app):
    (frozen_app / "kefu-data").mkdir()
    (frozen_app / "kefu-data" / "knowledge.db").write_bytes(b"shop data")
    assert paths.is_portable()
    assert paths.db_path() == frozen_app / "kefu-data" / "knowledge.db"
    (frozen_app / "portable").write_text("", encoding="utf-8")  # the marker does not orphan it
    assert paths.db_path().read_bytes() == b"shop data"


def test_without_a_marker_the_user_data_dir_is_used(frozen_app):
    assert not paths.is_portable() and paths.data_dir_source() == "user"
    assert frozen_app not in paths.data_dir().parents


def test_kefu_home_wins_over_portable(frozen_app, tmp_path, monkeypatch):
    (frozen_app / "portable").write_text("", encoding="utf-8")
    monkeypatch.setenv("KEFU_HOME", str(tmp_path / "elsewhere"))
    assert paths.data_dir() == tmp_path / "elsewhere" and paths.data_dir_source() == "KEFU_HOME"


def test_settings_toggle_writes_and_removes_the_marker(frozen_app):
    from assistant.settings import set_portable

    set_portable(True)
    assert (frozen_app / "portable").exists() and paths.data_dir() == frozen_app / "data"
    set_portable(False)
    assert not (frozen_app / "portable").exists()
