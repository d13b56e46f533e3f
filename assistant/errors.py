"""One error boundary for the CLI and the sidebar: any exception becomes one sentence the agent
can act on, and an exit code. Tracebacks go to kefu.log, never to the screen.

Exit codes (docs/data.md): 0 fine · 1 `kefu check` found 违禁词 / a confirmation is missing ·
2 bad input (file, argument) · 3 database locked by another program · 4 database corrupt or
empty · 5 read-only or no permission · 6 disk full · 7 database from a newer version ·
70 an internal error (a bug: the details are in kefu.log) · 130 interrupted.
"""
from __future__ import annotations

import errno
import logging
import sqlite3
import traceback

from assistant.db import KBError, translate

log = logging.getLogger(__name__)

EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 2, 70, 130


def describe(exc: BaseException, db_path=None) -> tuple[str, int, str]:
    """(one sentence, exit code, state) for an exception. ``state`` is the KBError state
    ("locked", "corrupt", "readonly", "full", "newer") or "error"."""
    from assistant.paths import DataDirError

    if isinstance(exc, KBError):
        return str(exc), exc.exit_code, exc.state
    if isinstance(exc, sqlite3.Error):
        err = translate(exc, db_path or "knowledge.db")
        return str(err), err.exit_code, err.state
    if isinstance(exc, DataDirError):
        return str(exc), EXIT_USAGE, "error"
    if isinstance(exc, UnicodeError):
        return f"文字编码有误，无法处理：{exc}", EXIT_USAGE, "error"
    if isinstance(exc, OSError):
        name = exc.filename or ""
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            return f"磁盘已满，写不进 {name}：请清理磁盘空间后再试（原有数据没有改动）。", 6, "full"
        if isinstance(exc, IsADirectoryError):
            return f"{name} 是一个文件夹，这里需要一个文件：请换一个文件名。", EXIT_USAGE, "error"
        if isinstance(exc, NotADirectoryError):
            return f"{name} 不是文件夹：路径中间有同名的文件。", EXIT_USAGE, "error"
        if isinstance(exc, FileNotFoundError):
            return f"找不到文件 {name}。", EXIT_USAGE, "error"
        if isinstance(exc, FileExistsError):
            return f"{name} 已经存在。", EXIT_USAGE, "error"
        if isinstance(exc, PermissionError) or exc.errno in (errno.EROFS, errno.EPERM, errno.EACCES):
            return f"没有权限读写 {name}：请检查文件和文件夹的权限（只读、被占用或在写保护的磁盘上）。", 5, "readonly"
        return f"读写 {name or '文件'} 失败：{exc.strerror or exc}。", EXIT_USAGE, "error"
    if isinstance(exc, MemoryError):
        return "内存不够：输入太大了，请分开处理。", EXIT_USAGE, "error"
    if isinstance(exc, ValueError):
        return str(exc), EXIT_USAGE, "error"
    return (f"内部错误（{type(exc).__name__}: {str(exc)[:200]}），这是程序的问题，"
            f"详情已写入 {log_file_name()}，请把它发给开发者。"), EXIT_INTERNAL, "error"


def for_sidebar(exc: BaseException, db_path=None) -> tuple[str, str]:
    """(state, sentence) for the sidebar: the same cause, the way out in the window's words."""
    from assistant.db import way_out

    message, _code, state = describe(exc, db_path)
    if isinstance(exc, KBError) and exc.cause:
        return state, exc.cause + way_out(state, db_path or "knowledge.db", ui=True)
    return state, message


def log_file_name() -> str:
    try:
        from assistant import paths

        return str(paths.log_path())
    except Exception:
        return "kefu.log"


def record(exc: BaseException) -> None:
    """Write the traceback to kefu.log (best effort: a broken data dir must not raise here)."""
    try:
        from assistant import paths

        with open(paths.log_path(), "a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
    except Exception:
        pass


def load_or_none(load, path, what: str, instead: str):
    """Weights shipped beside the code (``load(path)``), or None with a log line when they are
    missing or unreadable: the engine then works without them, as ``instead`` says."""
    try:
        return load(path)
    except FileNotFoundError:
        log.warning("%s not found at %s: %s", what, path, instead)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s at %s unreadable (%s): %s", what, path, exc, instead)
    return None
