"""Issue 11, item 10 (private data) and the sidebar's database states: the usage log keeps the
wording of a question, not the customer's phone number, order number, address or name; old
events expire (in the database and its backups); only text copied from a chat window is kept;
a read-only, locked or corrupt database is shown as such, with the way out."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time

import pytest

from assistant import backups, importer, privacy, usage
from assistant.db import connect

PHONE, ORDER = "13812345678", "3254857712345678"
PRIVATE = (f"收货地址：浙江省杭州市西湖区文三路88号2栋301室，收件人张三 电话{PHONE}，"
           f"订单号 {ORDER} 怎么还没发货")


def events(db_file, kind=None):
    con = sqlite3.connect(db_file)
    con.row_factory = sqlite3.Row
    try:
        sql = "SELECT * FROM usage_events" + (" WHERE kind=?" if kind else "") + " ORDER BY id"
        return [dict(r) for r in con.execute(sql, (kind,) if kind else ())]
    finally:
        con.close()


# --- masking --------------------------------------------------------------------------------

def test_private_details_are_masked_but_the_question_is_kept():
    masked = privacy.mask(PRIVATE)
    for secret in (PHONE, ORDER, "文三路", "张三", "西湖区"):
        assert secret not in masked, masked
    assert "{手机号}" in masked and "{订单号}" in masked and "{地址}" in masked and "{姓名}" in masked
    assert masked.endswith("怎么还没发货")
    for question in ("能寄到新加坡吗", "尺码 160 105斤 穿什么码", "满199减20吗", "我是想问一下怎么退货"):
        assert privacy.mask(question) == question  # nothing private: nothing changed
    assert privacy.mask(masked) == masked


def test_the_usage_log_never_writes_private_details_to_disk(db_file):
    with usage.UsageLog(db_file, flush_interval=0.05) as log:
        ref = log.received(PRIVATE, intent="urge_shipping", entities={"order_no": ORDER, "phone": PHONE})
        log.sent(ref, None, f"亲，订单 {ORDER} 今天发出，有问题打 {PHONE}")
        log.edited(ref, None, f"张三您好，您的订单{ORDER}已加急")
    got = events(db_file)
    assert got[0]["message"].endswith("怎么还没发货") and got[0]["msg_hash"] == usage.message_hash(got[0]["message"])
    con = sqlite3.connect(db_file)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    raw = db_file.read_bytes()
    for secret in (PHONE, ORDER, "文三路"):
        assert secret.encode() not in raw


def test_masking_can_be_switched_off_in_settings(db_file, kefu_home):
    (kefu_home / "settings.json").write_text(json.dumps({"privacy": {"mask": False}}), encoding="utf-8")
    with usage.UsageLog(db_file, flush_interval=0.05) as log:
        log.received(PRIVATE)
    assert events(db_file)[0]["message"] == PRIVATE


# --- retention ------------------------------------------------------------------------------

def _old_and_new(db_file, now):
    con = connect(db_file)
    con.executemany("INSERT INTO usage_events (ts, kind, message) VALUES (?, 'received', ?)",
                    [(now - 120 * 86400, "四个月前的消息"), (now - 10 * 86400, "十天前的消息")])
    con.commit()
    con.close()


def test_events_older_than_90_days_go_from_the_database_and_its_backups(engine, db_file):
    now = time.time()
    _old_and_new(db_file, now)
    kept = backups.make_backup(db_file, "manual")
    learning = usage.Learning(engine, db_file)  # the sidebar starting
    learning.close()  # waits for the retention pass
    assert [e["message"] for e in events(db_file)] == ["十天前的消息"]
    assert [e["message"] for e in events(kept)] == ["十天前的消息"]
    assert "四个月前".encode() not in kept.read_bytes()


def test_retention_comes_from_settings(db_file, kefu_home):
    (kefu_home / "settings.json").write_text(json.dumps({"privacy": {"retention_days": 5}}), encoding="utf-8")
    now = time.time()
    _old_and_new(db_file, now)
    con = connect(db_file)
    assert usage.apply_retention(con, now=now) == 2
    con.close()
    assert usage.privacy_settings()["retention_days"] == 5.0


# --- the sidebar ----------------------------------------------------------------------------

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|setting window opacity)")


def _copy_in(qtbot, app, adapters, text):
    adapters.clipboard.copy_from_elsewhere(text)
    qtbot.waitUntil(lambda: app.usage.text == text, timeout=5000)
    app.engine.learning.log.flush(5)


def test_only_text_copied_in_a_chat_window_is_logged(qtbot, app_ui, desk, db_file):
    pytest.importorskip("PySide6")
    adapters, desktop, chat = desk
    _copy_in(qtbot, app_ui, adapters, "这个杯子能装热水吗")  # 千牛 in front
    desktop.open("周报.docx - Word", "WINWORD.EXE")
    _copy_in(qtbot, app_ui, adapters, "第三季度退货率下降了")  # a document, not a customer
    got = events(db_file, "received")
    assert [e["message"] for e in got] == ["这个杯子能装热水吗", None]


def _open_app(qtbot, db_file, desk):
    from ui.app import App
    from assistant.settings import Settings

    adapters, _, _ = desk
    a = App(db_file, adapters=adapters, settings=Settings())
    qtbot.addWidget(a.window)
    qtbot.addWidget(a.popup)
    a.start()
    return a


def test_a_corrupt_database_shows_its_state_and_the_restore_button_brings_the_shop_back(qtbot, db_file, desk, tmp_path):
    pytest.importorskip("PySide6")
    conn = connect(db_file)
    (tmp_path / "s.csv").write_text("内容\n亲，我们家的杯子都是耐热玻璃\n", encoding="utf-8")
    importer.import_file(conn, tmp_path / "s.csv", db_file=db_file)
    conn.close()
    with open(db_file, "r+b") as fh:
        fh.write(b"broken" * 20)
    a = _open_app(qtbot, db_file, desk)
    try:
        bar = a.window.dbstate
        qtbot.waitUntil(lambda: bar.isVisible(), timeout=30000)
        assert bar.state == "corrupt" and "已损坏" in bar.label.text() and "恢复备份" in bar.label.text()
        assert bar.restore_btn.isVisible() and bar.rebuild_btn.isVisible()
        bar.restore_btn.click()
        qtbot.waitUntil(lambda: "离线可用" in a.window.status.text(), timeout=30000)
        assert not bar.isVisible() and "已从备份" in a.window.toast.text()
        assert a.engine.search("耐热玻璃")  # the shop's own reply is back
    finally:
        a.stop()


def test_a_read_only_database_says_so_instead_of_offline_ready(qtbot, db_file, desk):
    pytest.importorskip("PySide6")
    if os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(db_file)], capture_output=True).returncode:
        pytest.skip("chattr +i not available")
    elif os.geteuid() != 0:
        os.chmod(db_file, 0o444)
    try:
        a = _open_app(qtbot, db_file, desk)
        try:
            qtbot.waitUntil(lambda: "条话术" in a.window.status.text(), timeout=30000)
            assert "只读" in a.window.status.text() and "离线可用" not in a.window.status.text()
            assert a.window.dbstate.isVisible() and a.window.dbstate.state == "readonly"
        finally:
            a.stop()
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(db_file)])
        else:
            os.chmod(db_file, 0o644)


def test_usage_writes_blocked_by_a_lock_show_as_locked_and_clear_themselves(qtbot, app_ui, desk, db_file, monkeypatch):
    from assistant import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    adapters, _, _ = desk
    holder = sqlite3.connect(db_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing: our reads go on, our writes wait
    try:
        adapters.clipboard.copy_from_elsewhere("这个杯子能装热水吗")
        qtbot.waitUntil(lambda: app_ui.window.dbstate.state == "locked", timeout=15000)
        assert "先留在内存里" in app_ui.window.dbstate.label.text()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: not app_ui.window.dbstate.isVisible(), timeout=15000)
    assert app_ui.engine.learning.log.pending == 0
