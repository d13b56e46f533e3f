"""Killing the app while it logs (SIGKILL: no atexit, no close) loses at most the events logged
since the last flush, and never corrupts the database."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.db import connect
from assistant.usage import MAX_FLUSH_INTERVAL, UsageLog

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import sys, time
from assistant.usage import UsageLog

db, start, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
# the writer thread reports each commit: everything up to n is on disk when it prints
log = UsageLog(db, flush_interval=interval, on_flush=lambda n: print(f"F {start + n}", flush=True))
i = start
while True:
    i += 1
    log.log("received", msg_id=str(i), message=f"顾客消息 {i} " + "内容" * 20, ts=time.time(), score=0.5)
    if i % 20 == 0:
        time.sleep(0.001)
"""


def _run_and_kill(db: Path, start: int, flushes_before_kill: int, delay: float,
                  interval: float = 0.2) -> tuple[int, float]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(start), str(interval)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    last_flushed, seen = start, 0
    deadline = time.monotonic() + 120  # liveness guard only
    try:
        while seen < flushes_before_kill and time.monotonic() < deadline:
            line = proc.stdout.readline().decode()
            if not line:
                break
            if line.startswith("F "):
                last_flushed = int(line.split()[1])
                seen += 1
        assert seen == flushes_before_kill, proc.stderr.read().decode()
        time.sleep(delay)  # land somewhere in the next interval, maybe inside a commit
    finally:
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)  # mid-logging: no atexit, no close
        proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return last_flushed, killed_at


def test_sigkill_during_logging_keeps_every_flushed_event_and_the_database_sound(tmp_path):
    db = tmp_path / "knowledge.db"
    connect(db).close()
    start = 0
    report = []
    for round_no, (flushes, delay) in enumerate(((3, 0.0), (5, 0.07), (2, 0.13), (4, 0.19))):
        flushed, killed_at = _run_and_kill(db, start, flushes, delay)  # four crashes, one file
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ids = [int(r[0]) for r in con.execute("SELECT msg_id FROM usage_events ORDER BY id")]
            newest = con.execute("SELECT max(ts) FROM usage_events").fetchone()[0]
        finally:
            con.close()
        # what survived is an unbroken prefix of what was logged …
        assert ids == list(range(1, len(ids) + 1))
        # … that holds everything the writer had reported as committed before the kill
        assert len(ids) >= flushed > start
        report.append((round_no, flushed - start, len(ids) - start, round(killed_at - newest, 3)))
        start = len(ids)
    # and the database keeps working for the next run of the app
    with UsageLog(db) as log:
        log.log("received", msg_id=str(start + 1), message="重启后的消息")
    conn = connect(db)
    assert conn.execute("SELECT count(*) FROM usage_events").fetchone()[0] == start + 1
    conn.close()
    print("rounds (round, reported flushed, kept, seconds lost before the kill):", report)


def test_the_writer_never_waits_longer_than_a_second_between_flushes(tmp_path):
    db = tmp_path / "k.db"
    for asked in (0.2, 1.0, 5.0, 60.0):
        log = UsageLog(db, flush_interval=asked)
        try:
            assert log.flush_interval <= MAX_FLUSH_INTERVAL == 1.0
            assert log.flush_interval == min(asked, 1.0)
        finally:
            log.close()


@pytest.mark.parametrize("kind", ["picked", "sent"])
def test_a_normal_exit_without_close_still_flushes(tmp_path, kind):
    db = tmp_path / "k.db"
    connect(db).close()
    code = ("import sys\nfrom assistant.usage import UsageLog\n"
            "log = UsageLog(sys.argv[1], flush_interval=1.0)\n"
            f"for i in range(300): log.log({kind!r}, msg_id=str(i), reply_key='c:x')\n")
    subprocess.run([sys.executable, "-c", code, str(db)], cwd=ROOT, check=True, timeout=60)
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM usage_events").fetchone()[0] == 300
    finally:
        con.close()
