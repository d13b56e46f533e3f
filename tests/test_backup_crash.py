"""SIGKILL while backing up and while restoring (issue 11): whenever the process dies, the live
database is sound and still holds the shop's own reply and its usage log, every finished backup
is sound, and no partial file ever carries a backup's name."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import backups, importer
from assistant.db import connect

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("KEFU_KILL_LOOPS", "15"))  # per operation

CHILD = r"""
import sys
from assistant import backups
db, what = sys.argv[1], sys.argv[2]
print("ready", flush=True)
while True:
    if what == "restore":
        backups.restore(db)
    else:
        backups.make_backup(db, "manual")
    print("done", flush=True)
"""


@pytest.fixture
def shop_db(db_file, tmp_path):
    conn = connect(db_file)
    (tmp_path / "s.csv").write_text("内容\n亲，这款杯子可以装开水哦\n", encoding="utf-8")
    importer.import_file(conn, tmp_path / "s.csv", db_file=db_file)
    conn.execute("INSERT INTO usage_events (ts, kind, message) VALUES (?, 'received', '能装开水吗')", (time.time(),))
    conn.commit()
    conn.close()
    return db_file


def _counts(db_file: Path) -> tuple[int, int]:
    conn = connect(db_file)
    try:
        return (conn.execute("SELECT count(*) FROM replies WHERE source='user'").fetchone()[0],
                conn.execute("SELECT count(*) FROM usage_events").fetchone()[0])
    finally:
        conn.close()


def _first_operation_seconds(db_file: Path, what: str, env: dict) -> float:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db_file), what], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read().decode()
        started = time.perf_counter()
        assert proc.stdout.readline() == b"done\n", proc.stderr.read().decode()
        return time.perf_counter() - started
    finally:
        proc.kill()
        proc.communicate(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("what", ["backup", "restore"])
def test_sigkill_during_backup_or_restore_loses_nothing(shop_db, kefu_home, what):
    backups.make_backup(shop_db, "manual")  # something to restore from
    env = dict(os.environ, PYTHONIOENCODING="utf-8", KEFU_HOME=str(kefu_home))
    # how long one operation takes in a freshly started child on this machine (a busy CI runner is
    # several times slower, and a new process is slower than a warm one): the kills then land inside
    # the first operation, between later ones and inside them alike
    window = max(0.8, 3 * _first_operation_seconds(shop_db, what, env))
    rnd = random.Random(11)
    finished = 0
    for n in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(shop_db), what], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert proc.stdout.readline() == b"ready\n", proc.stderr.read().decode()
            time.sleep(rnd.uniform(0.0, window))  # somewhere inside a backup, a restore or a rebuild
        finally:
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        finished += out.count(b"done")
        assert _counts(shop_db) == (1, 1), f"kill {n}"
        for b in backups.list_backups():
            if b.reason != "corrupt":
                assert backups.inspect(b.path).ok, b.name
    assert finished > 0  # the kills landed between and inside finished operations
    conn = sqlite3.connect(shop_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
