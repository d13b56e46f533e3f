"""Backups of knowledge.db: make, list, rotate, restore, and clear the usage log out of them.

The one place that writes or reads ``backups/`` (the CLI, the sidebar and the knowledge-base
window call these functions):

- ``make_backup(db_file, reason)`` copies the database with SQLite's backup API into a file that
  only gets its final name when complete (a disk that fills up leaves no partial backup), then
  rotates. A file SQLite cannot read is copied byte for byte (with its -wal) as ``…-corrupt.db``.
- ``list_backups()`` newest first, each with its reason, size and (``check=True``) whether it is
  sound and how many of the shop's own replies and usage events it holds.
- ``rotate()`` keeps at most ``backups.keep`` files and ``backups.max_mb`` in total (settings),
  always the newest one and the newest sound one.
- ``restore(db_file, backup=None)`` puts the newest sound backup (or the one named) back as the
  live database — the shop's replies, imports and usage log included — after keeping the current
  file as a copy, then refreshes the default knowledge from resources/.
- ``clear_usage(before=None)`` deletes usage events from every backup too (``kefu usage clear``).

Names: ``knowledge-YYYYmmdd-HHMMSS[-N]-REASON.db``; REASON is before-build, before-import,
before-restore, corrupt, manual.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant import db as _db, paths
from assistant.db import (KBCorrupt, KBError, KBLocked, MIGRATIONS, translate, way_out)

log = logging.getLogger(__name__)

_NAME = re.compile(r"^knowledge-(\d{8}-\d{6})(?:-(\d+))?-([a-z\-]+)\.db$")
PARTIAL = ".partial"


@dataclass
class Backup:
    path: Path
    created: float  # seconds since the epoch, from the name (the file's mtime when it has none)
    reason: str
    size: int
    ok: bool | None = None  # None: not checked
    problem: str = ""
    user_replies: int | None = None
    usage_events: int | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def as_dict(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        d["name"] = self.name
        d["created_at"] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.created))
        return d


# --- settings -------------------------------------------------------------------------------

def backup_settings(overrides: dict | None = None) -> dict:
    from assistant.settings import section

    return section("backups", overrides)


# --- making ---------------------------------------------------------------------------------

def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _reserve(folder: Path, reason: str) -> tuple[Path, Path]:
    """A new backup name nobody else has (two backups in the same second get -2, -3 …), and its
    partial file, created exclusively so two processes cannot take the same name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # numbers only go up within a second, also after rotation removed the first ones: the order of
    # the names is the order the backups were made in
    used = [int(m.group(2) or 1) for p in folder.glob(f"knowledge-{stamp}-*")
            if (m := _NAME.match(p.name[: -len(PARTIAL)] if p.name.endswith(PARTIAL) else p.name))
            and m.group(1) == stamp]
    for n in range(max(used, default=0) + 1, 100_000):
        stem = f"knowledge-{stamp}-{reason}" if n == 1 else f"knowledge-{stamp}-{n}-{reason}"
        final = folder / f"{stem}.db"
        partial = folder / f"{stem}.db{PARTIAL}"
        if final.exists():
            continue
        try:
            fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        return final, partial
    raise KBError(f"备份文件夹 {folder} 里同一秒的备份太多了")


def make_backup(db_file: Path | str | None = None, reason: str = "manual", *, rotate_after: bool = True,
                source: sqlite3.Connection | None = None) -> Path | None:
    """Copy the database into backups/; returns the new file (None when there is no database).
    ``source``: an open connection to copy from (the caller holds the database).

    Raises KBLocked when another program holds the database exclusively, KBDiskFull (nothing
    left behind) when the disk fills up."""
    db_file = Path(db_file or paths.db_path())
    if source is None and not db_file.is_file():
        return None
    folder = paths.backups_dir()
    dest, partial = _reserve(folder, reason)
    try:
        src = source or sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=_db.BUSY_TIMEOUT_MS / 1000)
        try:
            write_copy(src, partial, "DELETE")
        finally:
            if source is None:
                src.close()
    except sqlite3.DatabaseError as exc:
        _unlink_db(partial)
        err = translate(exc, db_file, "备份")
        if not isinstance(err, KBCorrupt):
            raise err from exc
        return _raw_copy(db_file, folder)  # unreadable: keep the raw bytes
    except OSError as exc:
        _unlink_db(partial)
        raise translate(exc, dest, "备份") from exc
    except BaseException:
        _unlink_db(partial)
        raise
    try:
        os.replace(partial, dest)
    except OSError as exc:
        _unlink_db(partial)
        raise translate(exc, dest, "备份") from exc
    log.info("backup %s (%s)", dest.name, reason)
    if rotate_after:
        rotate(protect=(dest,))
    return dest


def write_copy(src: sqlite3.Connection, path: Path, journal_mode: str) -> None:
    """Copy ``src`` page by page into a new database file at ``path`` with that journal mode."""
    out = sqlite3.connect(path)
    try:
        copy_pages(src, out)
        out.execute(f"PRAGMA journal_mode = {journal_mode}")
    finally:
        out.close()


def copy_pages(src: sqlite3.Connection, out: sqlite3.Connection) -> None:
    """SQLite's online backup of ``src`` into ``out``, giving up when another program keeps the
    source locked for longer than db.BUSY_TIMEOUT_MS. (Python's Connection.backup retries a busy
    source forever, in C: a locked database would hang the app.)"""
    deadline = time.monotonic() + _db.BUSY_TIMEOUT_MS / 1000

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked")

    src.backup(out, pages=256, progress=progress, sleep=0.05)


def _raw_copy(db_file: Path, folder: Path) -> Path:
    """Byte copy of a file SQLite cannot read (and its -wal/-shm): the shop's data may still be
    recoverable from it by hand, so it is kept, never deleted by a rebuild."""
    dest, partial = _reserve(folder, "corrupt")
    try:
        shutil.copyfile(db_file, partial)
        for suffix in ("-wal", "-shm"):
            side = _side(db_file, suffix)
            if side.exists():
                shutil.copyfile(side, _side(dest, suffix))
        os.replace(partial, dest)
    except OSError as exc:
        _unlink(partial)
        for suffix in ("-wal", "-shm"):
            _unlink(_side(dest, suffix))
        raise translate(exc, dest, "另存损坏的知识库") from exc
    log.warning("unreadable database copied to %s", dest)
    return dest


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("could not remove %s", path)


def _unlink_db(path: Path) -> None:
    """A half-written database and the journal SQLite keeps beside it while writing (a copy that
    fails part-way, e.g. on a full disk, leaves ``…partial-journal`` behind otherwise)."""
    for p in (path, *(_side(path, s) for s in ("-journal", "-wal", "-shm"))):
        _unlink(p)


# --- listing --------------------------------------------------------------------------------

def _parse(path: Path) -> Backup | None:
    m = _NAME.match(path.name)
    try:
        st = path.stat()
    except OSError:
        return None
    if m:
        try:
            created = time.mktime(time.strptime(m.group(1), "%Y%m%d-%H%M%S")) + int(m.group(2) or 1) * 1e-3
        except ValueError:
            created = st.st_mtime
        reason = m.group(3)
    else:
        created, reason = st.st_mtime, "other"
    size = st.st_size + sum(_side(path, s).stat().st_size for s in ("-wal",) if _side(path, s).exists())
    return Backup(path, created, reason, size)


def inspect(path: Path | str) -> Backup:
    """One backup, checked: sound (quick_check), the shop's replies and usage events in it."""
    path = Path(path)
    b = _parse(path) or Backup(path, 0.0, "other", 0)
    if not path.is_file() or path.stat().st_size == 0:
        b.ok, b.problem = False, "文件不存在或是空的"
        return b
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            quick = conn.execute("PRAGMA quick_check").fetchone()[0]
            if quick != "ok":
                raise sqlite3.DatabaseError(quick)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                b.ok, b.problem = False, f"来自更新版本（数据格式 {version}）"
                return b
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "replies" not in tables:
                b.ok, b.problem = False, "里面没有话术表"
                return b
            b.user_replies = conn.execute("SELECT count(*) FROM replies WHERE source != 'default'").fetchone()[0]
            b.usage_events = (conn.execute("SELECT count(*) FROM usage_events").fetchone()[0]
                              if "usage_events" in tables else 0)
            b.ok = True
        finally:
            conn.close()
    except sqlite3.Error as exc:
        b.ok, b.problem = False, f"已损坏：{exc}"
    return b


def list_backups(check: bool = False) -> list[Backup]:
    """Backups newest first; ``check`` opens each one (quick_check and counts)."""
    folder = paths.backups_dir()
    found = [b for p in folder.glob("*.db") if (b := _parse(p)) is not None]
    found.sort(key=lambda b: -b.created)
    if check:
        found = [inspect(b.path) for b in found]
    return found


def newest_good() -> Backup | None:
    for b in list_backups():
        b = inspect(b.path)
        if b.ok:
            return b
    return None


# --- rotation -------------------------------------------------------------------------------

def rotate(keep: int | None = None, max_mb: float | None = None, protect: tuple = ()) -> list[Path]:
    """Delete the oldest backups beyond ``keep`` files or ``max_mb`` in total (settings when not
    given). The newest backup, the newest one that is not a corrupt copy and ``protect`` stay.
    Returns what was deleted. Left-over partial files (a killed backup) go too."""
    s = backup_settings({"keep": keep, "max_mb": max_mb})
    keep, limit = int(s["keep"]), float(s["max_mb"]) * 1024 * 1024
    folder = paths.backups_dir()
    now = time.time()
    for p in folder.glob(f"*{PARTIAL}"):
        try:
            if now - p.stat().st_mtime > 60:  # not one being written right now
                _unlink(p)
        except OSError:
            pass
    items = list_backups()
    must = {Path(p) for p in protect}
    if items:
        must.add(items[0].path)
        sound = next((b for b in items if b.reason != "corrupt"), None)
        if sound is not None:
            must.add(sound.path)
    kept, total, deleted = 0, 0, []
    for b in items:
        if b.path in must or (kept < keep and total + b.size <= limit):
            kept += 1
            total += b.size
            continue
        for p in (b.path, _side(b.path, "-wal"), _side(b.path, "-shm")):
            _unlink(p)
        deleted.append(b.path)
    if deleted:
        log.info("rotated away %d backups", len(deleted))
    return deleted


# --- restoring ------------------------------------------------------------------------------

def _hold_exclusively(db_file: Path) -> sqlite3.Connection | None:
    """A connection that keeps every other program out of the live database while it is
    replaced, or KBLocked when another one has it open (the sidebar, a tool). None when the file
    cannot be opened by SQLite at all (corrupt: nobody can be using it)."""
    try:
        conn = sqlite3.connect(db_file, timeout=0.5, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        return conn
    except sqlite3.Error as exc:
        conn.close()
        err = translate(exc, db_file)
        if isinstance(err, KBLocked):
            raise KBLocked(f"知识库正被另一个程序使用（{db_file}），现在不能恢复：请先退出正在运行的客服助手"
                           "（或在侧栏里点“恢复备份”），再试。") from exc
        return None


def restore(db_file: Path | str | None = None, backup: Path | str | None = None, *,
            refresh_defaults: bool = True) -> dict:
    """Put a backup back as the live database. Without ``backup``: the newest sound one.

    The current file is kept first (as ``…-before-restore.db``, or ``…-corrupt.db`` when it is
    unreadable), so a restore can itself be undone with another restore. Returns what happened:
    {"restored", "kept", "skipped", "user_replies", "usage_events"}."""
    db_file = Path(db_file or paths.db_path())
    skipped: list[dict] = []
    if backup is not None:
        chosen = inspect(_find(backup))
        if not chosen.ok:
            raise KBCorrupt(f"备份 {chosen.name} 不能用来恢复：{chosen.problem}。运行 `kefu kb backups` 看看其他备份。")
    else:
        chosen = None
        for b in list_backups():
            b = inspect(b.path)
            if b.ok:
                chosen = b
                break
            skipped.append({"name": b.name, "problem": b.problem})
        if chosen is None:
            raise KBError("没有可以用来恢复的完好备份" + (f"（{len(skipped)} 个备份都坏了）" if skipped else "")
                          + "。运行 `kefu kb build` 从默认话术重建。")
    if db_file.is_dir():
        raise KBError(f"{db_file} 是一个文件夹，不是知识库文件：请把它改名或移走再恢复。")
    holder = _hold_exclusively(db_file) if db_file.exists() and db_file.stat().st_size > 0 else None
    try:
        kept = (make_backup(db_file, "before-restore", rotate_after=False, source=holder)
                if db_file.exists() else None)
        tmp = _side(db_file, ".restoring")
        _unlink_db(tmp)
        try:
            src = sqlite3.connect(f"file:{chosen.path}?mode=ro", uri=True)
            try:
                write_copy(src, tmp, "WAL")
            finally:
                src.close()
        except (sqlite3.Error, OSError) as exc:
            _unlink_db(tmp)
            raise translate(exc, db_file, "恢复") from exc
        if os.name == "nt" and holder is not None:
            # Windows cannot delete or replace a file that is open: let go just before (on POSIX the
            # lock is kept until the new file is in place, so nobody writes into the old one)
            holder.close()
            holder = None
        # the live file's write-ahead log belongs to the old file: it must not be replayed into the new one
        for suffix in ("-wal", "-shm"):
            _unlink(_side(db_file, suffix))
        os.replace(tmp, db_file)
    finally:
        if holder is not None:
            holder.close()
    report = {"restored": str(chosen.path), "kept": str(kept) if kept else None, "skipped": skipped,
              "user_replies": chosen.user_replies, "usage_events": chosen.usage_events, "refreshed": False}
    if refresh_defaults:
        from assistant import kb

        try:
            kb.build(db_file, backup_first=False)
            report["refreshed"] = True
        except KBError as exc:  # the restored file is in place; the defaults can be rebuilt later
            log.warning("restore: defaults not refreshed (%s)", exc)
    rotate(protect=tuple(p for p in (kept,) if p))
    return report


def _find(backup: Path | str) -> Path:
    p = Path(backup)
    if p.is_file():
        return p
    candidate = paths.backups_dir() / p.name
    if candidate.is_file():
        return candidate
    matches = [b.path for b in list_backups() if p.name in b.name]
    if len(matches) == 1:
        return matches[0]
    raise KBError(f"找不到备份 {backup}" + ("（有好几个名字相近的）" if matches else "")
                  + "。运行 `kefu kb backups` 列出全部备份。")


# --- privacy --------------------------------------------------------------------------------

def clear_usage(before: float | None = None) -> dict:
    """Delete usage events (all, or older than ``before``) from every backup, and make the text
    unrecoverable (secure_delete + VACUUM). Returns {"files", "events", "left"}: ``left`` lists
    the backups that could not be cleaned (corrupt copies): they may still hold chat text."""
    files = events = 0
    left: list[str] = []
    for b in list_backups():
        try:
            conn = sqlite3.connect(b.path, isolation_level=None, timeout=_db.BUSY_TIMEOUT_MS / 1000)
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "usage_events" not in tables:
                    continue
                where, args = ("WHERE ts < ?", (before,)) if before is not None else ("", ())
                if not conn.execute(f"SELECT 1 FROM usage_events {where} LIMIT 1", args).fetchone():
                    continue
                conn.execute("PRAGMA secure_delete = ON")
                n = conn.execute(f"DELETE FROM usage_events {where}", args).rowcount
                conn.execute("VACUUM")
                events += n
                files += 1
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.warning("usage not cleared from backup %s: %s", b.name, exc)
            left.append(str(b.path))
    return {"files": files, "events": events, "left": left}


def clear_usage_note(before: float | None = None) -> str:
    """``clear_usage`` and one sentence saying what was done and exactly what stays (the CLI's
    ``usage clear`` and the statistics window's 清空使用记录 both say it)."""
    rep = clear_usage(before)
    said = (f"备份里的 {rep['events']} 条也已删除（{rep['files']} 个备份）。" if rep["files"]
            else "备份里没有这些使用记录。")
    return said + describe_left(rep["left"])


def describe_left(left: list[str]) -> str:
    if not left:
        return ""
    return (f"另有 {len(left)} 个损坏的备份无法清理，其中可能还有聊天文字：" + "、".join(Path(p).name for p in left)
            + "（在 backups 文件夹里，不需要可以直接删除）。")


__all__ = ["Backup", "backup_settings", "make_backup", "list_backups", "inspect", "newest_good", "rotate",
           "restore", "clear_usage", "clear_usage_note", "describe_left", "way_out"]
