"""The one module that owns every path.

Order of precedence for the data directory:
1. ``KEFU_HOME`` environment variable;
2. portable mode: a file named ``portable`` (or folder ``kefu-data``) next to the app;
3. the per-user data dir from platformdirs.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "KefuAssistant"

# Source checkout: <root>/assistant/paths.py ; frozen: sys._MEIPASS holds bundled resources.
_PKG_DIR = Path(__file__).resolve().parent


def app_dir() -> Path:
    """Directory of the installed app (the folder holding the exe when frozen)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return _PKG_DIR.parent


def resources_dir() -> Path:
    env = os.environ.get("KEFU_RESOURCES")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return _PKG_DIR.parent / "resources"


def kb_resources_dir() -> Path:
    return resources_dir() / "kb"


def is_portable() -> bool:
    base = app_dir()
    return (base / "portable").exists() or (base / "kefu-data").is_dir()


def data_dir() -> Path:
    env = os.environ.get("KEFU_HOME")
    if env:
        path = Path(env)
    elif is_portable():
        path = app_dir() / "kefu-data"
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path() -> Path:
    return data_dir() / "knowledge.db"


def backups_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    path = data_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings_path() -> Path:
    return data_dir() / "settings.json"


def log_path() -> Path:
    return data_dir() / "kefu.log"
