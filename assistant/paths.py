"""The one module that owns every path.

Order of precedence for the data directory:
1. ``KEFU_HOME`` environment variable;
2. portable mode: a file named ``portable`` next to the app (the folder holding the executable)
   keeps knowledge.db, settings, logs and backups in ``data/`` beside it, so copying the folder
   moves the whole shop set-up. Older portable set-ups kept them in ``kefu-data/``: a folder of
   that name is still found and used (with or without the marker) so nothing is lost on update;
3. the per-user data dir from platformdirs.

In a source checkout the app folder is the repository, whose ``data/`` holds training data: a
portable checkout keeps its data in ``kefu-data/`` instead.
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


PORTABLE_MARKER = "portable"
LEGACY_PORTABLE_DIR = "kefu-data"


def portable_marker() -> Path:
    return app_dir() / PORTABLE_MARKER


def is_portable() -> bool:
    base = app_dir()
    return (base / PORTABLE_MARKER).exists() or (base / LEGACY_PORTABLE_DIR).is_dir()


def portable_data_dir() -> Path:
    """Where portable mode keeps the data: ``data/`` beside the executable, or the ``kefu-data/``
    an older version created (kept while it exists, so an update does not lose the shop's data)."""
    base = app_dir()
    legacy = base / LEGACY_PORTABLE_DIR
    if legacy.is_dir() or not getattr(sys, "frozen", False):
        return legacy
    return base / "data"


def data_dir_source() -> str:
    """Why data_dir() is where it is: 'KEFU_HOME', 'portable' or 'user'."""
    if os.environ.get("KEFU_HOME"):
        return "KEFU_HOME"
    return "portable" if is_portable() else "user"


class DataDirError(NotADirectoryError):
    """The data directory cannot be used (message is user-facing)."""


def data_dir() -> Path:
    env = os.environ.get("KEFU_HOME")
    if env:
        path = Path(env)
    elif is_portable():
        path = portable_data_dir()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise DataDirError(f"数据目录 {path} 不是文件夹（那里是一个文件）：请让 KEFU_HOME 指向一个文件夹，"
                           "或把同名文件移走。") from exc
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
