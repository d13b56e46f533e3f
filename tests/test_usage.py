"""The usage log and the learned ranking, against a real knowledge base (assistant/usage/)."""
import csv
import datetime
import sqlite3
import time

import pytest

from assistant import kb, templates, usage
from assistant.db import MIGRATIONS, connect, schema_version
from assistant.engine import Conversation
from assistant.usage import UsageLog, UsageModel

DAY = 86400.0
MESSAGE = "衣服尺码偏大还是偏小 我160 100斤"


def rows(db_file, sql="SELECT * FROM usage_events ORDER BY id", args=()):
    con = sqlite3.connect(db_file)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


class Clock:
    def __init__(self, t=1_767_225_600.0):
        self.t = t

    def __call__(self):
        return self.t


# --- schema -------------------------------------------------------------------------------

def test_migration_2_upgrades_a_version_1_database_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    con.execute("INSERT INTO replies (intent, stage, title, text) VALUES ('greeting', 'any', '问候', '在的亲')")
    con.commit()
    con.close()
    conn = connect(path)
    assert schema_version(conn) == len(MIGRATIONS) >= 2
    assert conn.execute("SELECT text FROM replies").fetchone()[0] == "在的亲"
    cols = {r[1] for r in conn.execute("PRAGMA table_info(usage_events)")}
    assert {"ts", "kind", "reply_id", "reply_key", "final_text", "intent", "platform", "profile",
            "msg_hash", "message", "latency_ms"} <= cols
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO usage_events (ts, kind) VALUES (1, 'clicked')")
    conn.close()


# --- the log ------------------------------------------------------------------------------

def test_every_kind_of_event_is_written_with_its_context(engine, db_file):
    clock = Clock()
    engine.SHOW_BELOW = 0.0  # weak replies shown too: the log needs a second one to pick
    s = engine.suggest(Conversation.of("订单 2024112312345678 怎么还没发货", platform="千牛"))
    with UsageLog(db_file, clock=clock) as log:
        ref = log.received("订单 2024112312345678 怎么还没发货", intent=s.analysis.intent, platform="千牛",
                           profile={"shop_name": "小熊家居", "customer_name": "王姐"}, conversation="王姐",
                           best_score=s.replies[0]["score"])
        log.shown(ref, s.replies)
        clock.t += 4
        log.picked(ref, s.replies[1], rank=2)
        clock.t += 3
        log.edited(ref, s.replies[1], s.replies[1]["filled"] + "马上帮您催。")
        clock.t += 2.5
        log.sent(ref, s.replies[1], "最终发出的话")
        log.dismissed(ref, s.replies[0])
    got = rows(db_file)
    kinds = [r["kind"] for r in got]
    assert kinds == ["received"] + ["shown"] * len(s.replies) + ["picked", "edited", "sent", "dismissed"]
    assert {r["msg_id"] for r in got} == {ref.msg_id}
    assert all(r["platform"] == "千牛" and r["profile"] == "小熊家居" and r["intent"] == "urge_shipping"
               and r["conversation"] == "王姐" for r in got)
    assert got[0]["message"].startswith("订单") and got[0]["msg_hash"] == usage.message_hash(got[0]["message"])
    assert [r["rank"] for r in got if r["kind"] == "shown"] == list(range(1, len(s.replies) + 1))
    sent = next(r for r in got if r["kind"] == "sent")
    assert sent["latency_ms"] == 9500 and sent["reply_id"] == s.replies[1]["id"]
    assert sent["reply_key"] == usage.reply_key(s.replies[1]["code"], s.replies[1]["intent"], s.replies[1]["text"])


def test_an_edit_stores_the_template_with_filled_values_put_back(engine, db_file):
    row = engine.conn.execute(
        "SELECT id, code, intent, text FROM replies WHERE text LIKE '%{订单号}%' ORDER BY id").fetchone()
    filled, _ = engine.fill(row["text"], {"order_no": "2024112312345678"}, {"customer_name": "王姐"})
    reply = {**dict(row), "filled": filled}
    assert "2024112312345678" in filled
    with UsageLog(db_file) as log:
        ref = log.received("订单 2024112312345678 还没发货吗")
        log.edited(ref, reply, reply["filled"] + "今天一定发出。")
    final = rows(db_file, "SELECT final_text FROM usage_events WHERE kind='edited'")[0]["final_text"]
    assert "{订单号}" in final and "2024112312345678" not in final and final.endswith("今天一定发出。")


def test_the_writer_flushes_on_its_own_without_close(db_file):
    log = UsageLog(db_file, flush_interval=0.05)
    try:
        log.log("received", message="在吗", msg_id="a")
        deadline = time.monotonic() + 20  # a liveness wait, not a timing assertion
        while not rows(db_file) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [r["message"] for r in rows(db_file)] == ["在吗"]
        assert log.pending == 0 and log.written == 1
    finally:
        log.close()


def test_close_writes_everything_still_queued_and_the_interval_is_capped(db_file):
    log = UsageLog(db_file, flush_interval=30)
    assert log.flush_interval == usage.MAX_FLUSH_INTERVAL == 1.0
    for i in range(500):
        log.log("received", message=f"消息{i}", msg_id=str(i))
    log.close()
    assert len(rows(db_file)) == 500
    log.log("received", message="关了以后")  # dropped with a warning, never raises
    assert len(rows(db_file)) == 500


def test_unknown_kind_is_refused(db_file):
    with UsageLog(db_file) as log:
        with pytest.raises(ValueError):
            log.log("clicked")


def test_clear_all_or_older_and_export_csv_and_xlsx(db_file, tmp_path):
    from openpyxl import load_workbook

    with UsageLog(db_file) as log:
        log.received("=HYPERLINK(\"x\") 老消息", ts=time.time() - 40 * DAY)
        log.received("新消息 包邮吗", ts=time.time())
    conn = connect(db_file)
    n = usage.export_events(conn, tmp_path / "log.xlsx")
    assert n == 2
    ws = load_workbook(tmp_path / "log.xlsx")["使用记录"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "顾客消息" in values and "新消息 包邮吗" in values
    assert "'=HYPERLINK(\"x\") 老消息" in values  # a customer's text never becomes a formula
    usage.export_events(conn, tmp_path / "log.csv")
    with open(tmp_path / "log.csv", encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0][0] == "时间" and any("新消息 包邮吗" in r for r in table)
    with pytest.raises(ValueError):
        usage.export_events(conn, tmp_path / "log.txt")

    assert usage.clear(conn, before=time.time() - DAY) == 1
    assert [r["message"] for r in rows(db_file)] == ["新消息 包邮吗"]
    assert usage.clear(conn) == 1 and rows(db_file) == []
    conn.close()


# --- the learned prior --------------------------------------------------------------------

def ranked(engine, message=MESSAGE, platform="千牛"):
    s = engine.suggest(Conversation.of(message, platform=platform))
    return s


def test_shown_alone_teaches_nothing(engine, db_file):
    clock = Clock()
    model = UsageModel(clock=clock)
    before = ranked(engine).replies
    with UsageLog(db_file, model=model, clock=clock) as log:
        for _ in range(50):
            ref = log.received(MESSAGE, intent="size_fit", platform="千牛")
            log.shown(ref, list(reversed(before)))
    model.attach(engine)
    after = ranked(engine).replies
    assert model.events == 0
    assert [(r["id"], r["score"]) for r in after] == [(r["id"], r["score"]) for r in before]
    loaded = UsageModel(clock=clock)
    assert loaded.load(db_file) == 0  # nothing to learn from in the database either


def _pick(log, reply, intent, times, clock, step=60.0, platform="千牛"):
    for _ in range(times):
        ref = log.received(MESSAGE, intent=intent, platform=platform)
        log.picked(ref, reply, rank=3)
        log.sent(ref, reply, reply["filled"])  # pick then send of one message counts once
        clock.t += step


def test_one_pick_does_not_flip_the_list_many_do_and_it_decays_back(engine, db_file):
    clock = Clock()
    model = UsageModel(half_life_days=14, clock=clock)
    base = ranked(engine)
    intent = base.analysis.intent
    third = base.replies[2]
    assert base.replies[0]["score"] - third["score"] > 0.12  # a real gap to close
    model.attach(engine)
    with UsageLog(db_file, model=model, clock=clock) as log:
        _pick(log, third, intent, 1, clock)
        one = ranked(engine)
        assert one.replies[0]["id"] == base.replies[0]["id"]
        assert "常用" not in next(r["why"] for r in one.replies if r["id"] == third["id"])
        _pick(log, third, intent, 29, clock)
        many = ranked(engine)
    assert many.replies[0]["id"] == third["id"]
    assert "常用" in many.replies[0]["why"]
    key = usage.reply_key(third["code"], third["intent"], third["text"])
    p_now = model.prior_keys([key], intent, "千牛")[key]
    assert 0.8 < p_now < 1.0  # 30 messages (each pick + send counted once) / (30 + 5)
    clock.t += 14 * DAY
    p_half = model.prior_keys([key], intent, "千牛")[key]
    assert p_half < p_now
    clock.t += 120 * DAY
    assert model.prior_keys([key], intent, "千牛")[key] < 0.01
    faded = ranked(engine)
    # back to the list before the picks: the same replies, each within the faded prior's share of
    # its old score (two replies whose scores are that close may swap places)
    assert faded.replies[0]["id"] == base.replies[0]["id"]
    before = {r["id"]: r["score"] for r in base.replies}
    assert set(before) == {r["id"] for r in faded.replies}
    assert all(abs(r["score"] - before[r["id"]]) <= 0.01 for r in faded.replies)
    assert all("常用" not in r["why"] for r in faded.replies)


def test_learning_is_per_intent_and_platform_weighted(engine, db_file):
    clock = Clock()
    model = UsageModel(clock=clock)
    base = ranked(engine)
    third = base.replies[2]
    key = usage.reply_key(third["code"], third["intent"], third["text"])
    with UsageLog(db_file, model=model, clock=clock) as log:
        _pick(log, third, base.analysis.intent, 10, clock, platform="千牛")
    same = model.prior_keys([key], base.analysis.intent, "千牛")[key]
    other = model.prior_keys([key], base.analysis.intent, "抖店")[key]
    assert 0 < other < same
    assert model.prior_keys([key], "refund", "千牛") == {}


def test_dismissals_lower_the_prior(engine, db_file):
    clock = Clock()
    model = UsageModel(clock=clock)
    reply = ranked(engine).replies[1]
    key = usage.reply_key(reply["code"], reply["intent"], reply["text"])
    with UsageLog(db_file, model=model, clock=clock) as log:
        _pick(log, reply, "size_fit", 5, clock)
        before = model.prior_keys([key], "size_fit")[key]
        for _ in range(5):
            log.dismissed(log.received(MESSAGE, intent="size_fit"), reply)
    assert model.prior_keys([key], "size_fit")[key] < before


def test_what_was_learned_survives_a_restart_and_a_kb_rebuild(engine, db_file):
    clock = Clock()
    base = ranked(engine)
    third = base.replies[2]
    conn = connect(db_file)
    # a user reply makes the rebuilt default replies get new ids
    usage.add_user_reply(conn, intent="greeting", body="在的亲，有什么可以帮您？", triggers=["有人吗在不在"])
    conn.close()
    with UsageLog(db_file, clock=clock) as log:  # no live model: only the database remembers
        _pick(log, third, base.analysis.intent, 30, clock)
    engine.close()
    kb.build(db_file)
    from assistant.engine import Engine

    eng = Engine(db_file)
    try:
        moved = {r[0] for r in eng.conn.execute("SELECT id FROM replies WHERE title=? AND text=?",
                                                 (third["title"], third["text"]))}
        assert moved and third["id"] not in moved  # renumbered by the rebuild
        model = UsageModel(clock=clock)
        assert model.load(db_file) > 0
        model.attach(eng)
        top = ranked(eng).replies[0]
        assert top["text"] == third["text"] and "常用" in top["why"]
    finally:
        eng.close()


def test_detach_restores_the_engine(engine):
    before = [(r["id"], r["score"]) for r in ranked(engine).replies]
    model = UsageModel()
    model.attach(engine)
    assert engine.usage_prior is not None
    usage.detach(engine)
    assert engine.usage_prior is None and "suggest" not in engine.__dict__
    assert [(r["id"], r["score"]) for r in ranked(engine).replies] == before
    model.attach(engine, weight=0)  # learning switched off in the settings
    assert engine.usage_prior is None and "suggest" not in engine.__dict__
    model.attach(engine, weight=0.125)  # below the engine's own 0.25: the prior is halved, no wrapper
    assert engine.usage_prior is not None and "suggest" not in engine.__dict__


# --- variants from repeated edits ---------------------------------------------------------

def test_repeated_edits_propose_a_variant_saved_in_one_call(engine, db_file):
    s = ranked(engine)
    reply = s.replies[0]
    edited = reply["filled"].rstrip("。！~～") + "，有问题随时找我哦"
    conn = connect(db_file)
    with UsageLog(db_file) as log:
        for i in range(2):
            log.edited(log.received(MESSAGE), reply, edited)
    assert usage.propose_variant(conn, reply["id"]) is None  # two edits: not yet
    with UsageLog(db_file) as log:
        log.edited(log.received(MESSAGE), reply, edited + "。")  # near-identical still counts
        log.edited(log.received(MESSAGE), reply, "完全不同的一句话")
    p = usage.propose_variant(conn, reply["id"])
    template = templates.unfill(reply["text"], reply["filled"], edited)  # 这款宝贝 → {商品}
    assert "{" in template and template.endswith("有问题随时找我哦")
    assert p is not None and p.edits == 3 and p.text == template and p.original == reply["text"]
    rid = usage.save_variant(conn, p, engine=engine)
    row = conn.execute("SELECT source, intent, text, title FROM replies WHERE id=?", (rid,)).fetchone()
    assert tuple(row[:3]) == ("user", reply["intent"], template) and row[3].endswith("（改）")
    assert usage.propose_variant(conn, reply["id"]) is None  # saved: not proposed again
    assert any(h["id"] == rid for h in engine.search("有问题随时找我"))
    conn.close()


def test_a_declined_variant_is_not_proposed_again(engine, db_file):
    reply = ranked(engine).replies[0]
    conn = connect(db_file)
    with UsageLog(db_file) as log:
        for _ in range(3):
            log.edited(log.received(MESSAGE), reply, "我们换个说法吧亲")
        assert log.flush()
        p = usage.propose_variant(conn, reply["id"])
        assert p is not None
        usage.decline_variant(log, p)
    assert usage.propose_variant(conn, reply["id"]) is None
    conn.close()


def test_add_user_reply_validates_and_is_found_by_suggest(engine, db_file):
    conn = connect(db_file)
    with pytest.raises(ValueError):
        usage.add_user_reply(conn, intent="no_such_intent", body="x")
    with pytest.raises(ValueError):
        usage.add_user_reply(conn, intent="shipping_method", body="  ")
    rid = usage.add_user_reply(conn, intent="shipping_method", body="支持寄新加坡和马来西亚，运费按重量另算。",
                               title="海外寄送", triggers=["能寄到新加坡吗", "可以发国外吗"], code="hwjs",
                               engine=engine)
    with pytest.raises(ValueError):
        usage.add_user_reply(conn, intent="shipping_method", body="重复快捷码", code="hwjs")
    conn.close()
    s = engine.suggest(Conversation.of("能寄到新加坡吗"))
    assert s.replies[0]["id"] == rid
    assert engine.search("/hwjs")[0]["id"] == rid
    # typed in the search box: pinyin initials and one character find the shop's own reply too
    assert rid in [r["id"] for r in engine.search("hwjs")]
    assert engine.search("haiwai")[0]["id"] == rid
    assert rid in [r["id"] for r in engine.search("寄", limit=40)]


def test_learning_wires_log_model_timer_and_engine_and_resumes_after_restart(engine, db_file):
    # this morning, so the hour of fake responses below never crosses midnight (the model's decay
    # reads real time, so the clock must be near today; CI once ran this at 23:00 and lost 11 of 12)
    clock = Clock(datetime.datetime.combine(datetime.date.today(), datetime.time(9)).timestamp())
    learning = usage.Learning(engine, db_file, clock=clock)
    s = ranked(engine)
    third = s.replies[2]
    for _ in range(12):
        ref = learning.log.received(MESSAGE, intent=s.analysis.intent, platform="千牛", conversation="李姐",
                                    best_score=s.replies[0]["score"])
        learning.log.shown(ref, s.replies)
        clock.t += 12
        assert learning.timer.elapsed("李姐") == 12
        learning.log.picked(ref, third, rank=3)
        learning.log.sent(ref, third, third["filled"])
        clock.t += 300
    assert learning.timer.today()["responses"] == 12 and learning.timer.today()["avg_response_s"] == 12
    assert "常用" in next(r["why"] for r in ranked(engine).replies if r["id"] == third["id"])
    learning.close()
    usage.detach(engine)
    again = usage.Learning(engine, db_file, clock=clock)  # a restart: all from the database
    try:
        assert again.model.events == 12 and again.timer.today()["responses"] == 12
        assert "常用" in next(r["why"] for r in ranked(engine).replies if r["id"] == third["id"])
    finally:
        again.close()


def test_bad_learning_settings_fall_back_to_defaults(kefu_home):
    import json

    (kefu_home / "settings.json").write_text(json.dumps(
        {"dock": "left", "learning": {"half_life_days": "7", "warn_after_s": -3, "pseudo_count": "lots",
                                      "prior_weight": 0, "unknown": 1}}), encoding="utf-8")
    s = usage.learning_settings()
    assert s["half_life_days"] == 7.0 and s["prior_weight"] == 0.0
    assert s["warn_after_s"] == usage.DEFAULT_SETTINGS["warn_after_s"]
    assert s["pseudo_count"] == usage.DEFAULT_SETTINGS["pseudo_count"] and "unknown" not in s


# --- the sidebar's usage session, without Qt -------------------------------------------------

def test_the_usage_session_logs_a_message_once_and_its_edited_paste(engine, db_file):
    from assistant.usage import UsageSession

    s = engine.suggest("这个杯子能装热水吗")
    session = UsageSession()
    with UsageLog(db_file, flush_interval=0.05) as log:
        assert session.suggested(log, "这个杯子能装热水吗", s, platform="qianniu", conversation="c", keep_text=True)
        assert not session.suggested(log, "这个杯子能装热水吗", s, platform="qianniu", conversation="c",
                                     keep_text=True)  # analysed again: not a new message
        top = s.replies[0]
        edited = session.pasted(log, {"reply_id": top["id"], "rank": 1, "text": top["filled"] + "，放心拍"})
        assert edited == top["id"] and session.text is None
    con = sqlite3.connect(db_file)
    kinds = [k for (k,) in con.execute("SELECT kind FROM usage_events ORDER BY id")]
    con.close()
    assert list(dict.fromkeys(kinds)) == ["received", "shown", "picked", "edited", "sent"]
    assert kinds.count("received") == 1 and kinds.count("shown") == len(s.replies)  # one row per reply shown
