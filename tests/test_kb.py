"""The default knowledge base: what the issue asks for is really in resources/ and in the DB."""
import re
import json
import sqlite3

import pytest

from assistant import kb
from assistant.db import KBError, connect, schema_version, MIGRATIONS

SPEC_INTENTS = [l.split("\t")[0] for l in (kb.paths.kb_resources_dir() / "intents.tsv").read_text(encoding="utf-8").splitlines()][1:]
EMOTIONS = ["calm", "anxious", "angry", "disappointed", "confused", "satisfied"]


def q(conn, sql, *args):
    return conn.execute(sql, args).fetchall()


def test_default_kb_meets_the_content_minimums(db_file):
    conn = connect(db_file)
    assert q(conn, "SELECT count(*) FROM replies")[0][0] >= 250
    per_intent = dict(q(conn, "SELECT intent, count(*) FROM replies GROUP BY intent"))
    assert set(SPEC_INTENTS) <= set(per_intent), set(SPEC_INTENTS) - set(per_intent)
    assert min(per_intent[i] for i in SPEC_INTENTS) >= 5
    trig = dict(q(conn, "SELECT intent, count(*) FROM triggers WHERE reply_id IS NULL GROUP BY intent"))
    assert min(trig.get(i, 0) for i in SPEC_INTENTS) >= 8
    assert q(conn, "SELECT count(*) FROM subtext")[0][0] >= 30
    for emotion in EMOTIONS:
        for level in ("low", "high"):
            n = q(conn, "SELECT count(*) FROM empathy WHERE emotion=? AND level=?", emotion, level)[0][0]
            assert n >= 4, (emotion, level)
    assert q(conn, "SELECT count(*) FROM playbooks")[0][0] >= 12
    for pb in q(conn, "SELECT * FROM playbooks"):
        assert 2 <= len(json.loads(pb["options"])) <= 3 and pb["limit_text"] and json.loads(pb["steps"])
    names = " ".join(r[0] for r in q(conn, "SELECT name FROM playbooks"))
    for word in ("投诉", "破损", "质量", "错发", "发货", "丢", "退款", "补差", "尺码", "差评", "缺货", "转人工"):
        assert word in names, word
    cats = dict(q(conn, "SELECT category, count(*) FROM products GROUP BY category"))
    assert len(cats) >= 5 and sum(cats.values()) >= 40
    assert q(conn, "SELECT count(*) FROM cross_sell")[0][0] >= 40
    banned_cats = {r[0] for r in q(conn, "SELECT DISTINCT category FROM banned")}
    assert len(banned_cats) >= 3
    assert all(r[0] for r in q(conn, "SELECT suggest FROM banned"))


def test_every_reply_intent_is_a_spec_id_and_shortcodes_are_unique(db_file):
    conn = connect(db_file)
    assert {r[0] for r in q(conn, "SELECT DISTINCT intent FROM replies")} <= set(SPEC_INTENTS)
    codes = [r[0] for r in q(conn, "SELECT code FROM replies WHERE code IS NOT NULL")]
    assert len(codes) == len(set(codes)) and len(codes) >= 250


def test_database_uses_wal_and_numbered_migrations(db_file):
    conn = connect(db_file)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(conn) == len(MIGRATIONS)


def test_rebuild_keeps_the_shops_own_replies(db_file):
    conn = connect(db_file)
    with conn:
        conn.execute("INSERT INTO replies (code, intent, stage, title, text, source) "
                     "VALUES ('myown', 'gift', 'presale', '我的话术', '店长写的礼盒话术', 'user')")
    conn.close()
    kb.build(db_file)
    conn = connect(db_file)
    assert q(conn, "SELECT text FROM replies WHERE code='myown'")[0][0] == "店长写的礼盒话术"
    # the default rows were replaced, not duplicated
    n_default = q(conn, "SELECT count(*) FROM replies WHERE source='default'")[0][0]
    kb.build(db_file)
    assert connect(db_file).execute("SELECT count(*) FROM replies WHERE source='default'").fetchone()[0] == n_default
    # and a backup was taken because the file held user data
    assert list(kb.paths.backups_dir().glob("knowledge-*-before-build.db"))


def test_corrupt_database_is_reported_then_backed_up_and_rebuilt(kefu_home):
    path = kefu_home / "knowledge.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(KBError) as err:
        connect(path)
    assert "损坏" in str(err.value) or "无法打开" in str(err.value)
    rep = kb.build(path)
    assert rep.replies >= 250
    saved = list(kb.paths.backups_dir().glob("knowledge-*-corrupt.db"))
    assert saved and saved[0].read_bytes().startswith(b"this is not a database")


def test_bad_yaml_gives_a_clear_error_and_leaves_the_db_alone(tmp_path, db_file):
    import shutil

    kb_dir = tmp_path / "kb"
    shutil.copytree(kb.paths.kb_resources_dir(), kb_dir)
    (kb_dir / "replies" / "gift.yaml").write_text("intent: gift\nreplies: [\n  - text: 'oops'\n", encoding="utf-8")
    before = connect(db_file).execute("SELECT count(*) FROM replies").fetchone()[0]
    with pytest.raises(KBError) as err:
        kb.build(db_file, kb_dir)
    assert "gift.yaml" in str(err.value)
    assert connect(db_file).execute("SELECT count(*) FROM replies").fetchone()[0] == before


def _build_with_word_list(tmp_path, db_file, key: str, value: str) -> tuple[str, str]:
    """Build a copy of the shipped KB whose first gift reply has ``value`` as its ``key`` (needs or
    unless); the build's error message and that reply's code."""
    import shutil

    kb_dir = tmp_path / "kb"
    shutil.copytree(kb.paths.kb_resources_dir(), kb_dir)
    path = kb_dir / "replies" / "gift.yaml"
    text = re.sub(rf"(?m)^    {key}: .*\n", "", path.read_text(encoding="utf-8"))
    first_text = text.index("    text:", text.index("replies:"))
    path.write_text(text[:first_text] + f"    {key}: {value}\n" + text[first_text:], encoding="utf-8")
    with pytest.raises(KBError) as err:
        kb.build(db_file, kb_dir)
    return str(err.value), re.search(r"code: (\w+)", text[text.index("replies:"):]).group(1)


@pytest.mark.parametrize("key", ["needs", "unless"])
def test_a_reply_word_list_that_is_not_a_list_of_words_is_refused(tmp_path, db_file, key):
    message, _ = _build_with_word_list(tmp_path, db_file, key, "破损")
    assert "gift.yaml" in message and key in message


def test_an_agent_only_unless_word_needs_a_word_after_its_prefix(tmp_path, db_file):
    """`unless: [客服:]` would match every agent turn and hide the reply for good: refused."""
    message, _ = _build_with_word_list(tmp_path, db_file, "unless", '[破损, "客服:"]')
    assert "gift.yaml" in message and "客服:" in message


def test_a_message_only_needs_word_needs_a_word_after_its_prefix(tmp_path, db_file):
    """`needs: [问:]` would be found in every message and offer the reply everywhere: refused
    (fifty-fourth pass)."""
    message, _ = _build_with_word_list(tmp_path, db_file, "needs", '[破损, "问:"]')
    assert "gift.yaml" in message and "问:" in message


def test_a_number_in_a_word_list_is_named_with_how_to_quote_it(tmp_path, db_file):
    """`unless: [投诉, 12315]` reads 12315 as a number: the build stops and says which reply and how
    to write it (quoted), not a puzzle about 客服: (forty-fourth pass)."""
    message, code = _build_with_word_list(tmp_path, db_file, "unless", "[投诉, 12315]")
    assert "gift.yaml" in message and code in message and '"12315"' in message


# a list file, an entry appended to it without one of its required keys, and that key
ENTRY_WITHOUT = {
    "cross_sell.yaml": ("- when_product: FZ001\n  customer: any\n  recommend: FZ002\n", "reason"),
    "products.yaml": ("- sku: ZZ001\n  category: 服装\n", "name"),
    "subtext.yaml": ("- when: [再看看]\n  advice: 别催\n", "meaning"),
    "playbooks.yaml": ("- name: 退货\n", "id"),
    "banned.yaml": ("- words: {最: 很}\n", "category"),
}


@pytest.mark.parametrize("name", sorted(ENTRY_WITHOUT))
def test_a_yaml_entry_missing_a_key_is_named_before_the_db_is_touched(tmp_path, db_file, name):
    """Not a KeyError traceback halfway through the build: the file, the entry and the key."""
    entry, missing = ENTRY_WITHOUT[name]
    import shutil

    kb_dir = tmp_path / "kb"
    shutil.copytree(kb.paths.kb_resources_dir(), kb_dir)
    path = kb_dir / name
    path.write_text(path.read_text(encoding="utf-8") + "\n" + entry, encoding="utf-8")
    before = connect(db_file).execute("SELECT count(*) FROM replies").fetchone()[0]
    with pytest.raises(KBError) as err:
        kb.build(db_file, kb_dir)
    assert name in str(err.value) and missing in str(err.value)
    assert connect(db_file).execute("SELECT count(*) FROM replies").fetchone()[0] == before


def test_staleness_follows_resource_mtimes(tmp_path, db_file):
    import os
    import shutil

    kb_dir = tmp_path / "kb"
    shutil.copytree(kb.paths.kb_resources_dir(), kb_dir)
    os.utime(db_file, None)
    for p in kb_dir.rglob("*"):
        os.utime(p, (1, 1))
    assert not kb.is_stale(db_file, kb_dir)
    os.utime(kb_dir / "empathy.yaml", None)
    os.utime(db_file, (2, 2))
    assert kb.is_stale(db_file, kb_dir)


def test_locked_database_gives_a_clear_message(db_file):
    blocker = sqlite3.connect(db_file, timeout=0)
    blocker.execute("PRAGMA locking_mode = EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(KBError) as err:
            c = connect(db_file)
            c.execute("PRAGMA busy_timeout = 10")
            c.execute("SELECT count(*) FROM replies").fetchone()
        assert "占用" in str(err.value) or "无法打开" in str(err.value)
    finally:
        blocker.rollback()
        blocker.close()


def _old_database(path, version: int, *statements: str) -> None:
    """A database left at schema ``version`` by an earlier release, holding ``statements``' rows."""
    old = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        old.executescript((script(old) if callable(script) else script) + f"PRAGMA user_version = {number};")
    for sql in statements:
        old.execute(sql)
    old.commit()
    old.close()


def test_a_version_3_database_gets_the_search_index_from_its_pinyin_keys(kefu_home):
    path = kefu_home / "v3.db"
    _old_database(path, 3, "INSERT INTO intents VALUES ('gift', '礼品包装', 'presale')",
                  "INSERT INTO replies (id, code, intent, stage, title, text, source) "
                  "VALUES (7, 'mine', 'gift', 'presale', '礼盒包装', '可以帮您装礼盒', 'user')",
                  "INSERT INTO reply_fts (rowid, trig, body, pinyin, code) VALUES "
                  "(7, '礼盒 盒包 包装', '可以 以帮', 'lhbz hbz bz lihebao hebaozhuang', 'mine')")
    conn = connect(path)
    assert schema_version(conn) == len(MIGRATIONS)
    assert [r[0] for r in conn.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH '\"lh\"*'")] == [7]
    # 6: the empty pinyin column is gone from reply_fts, the row and its matching are not
    assert [r[1] for r in conn.execute("PRAGMA table_info(reply_fts)")] == ["trig", "body", "code"]
    assert [r[0] for r in conn.execute("SELECT rowid FROM reply_fts WHERE reply_fts MATCH 'trig : 礼盒'")] == [7]
    conn.close()


def test_an_older_database_is_migrated_in_place(kefu_home):
    path = kefu_home / "old.db"
    _old_database(path, 1, "INSERT INTO replies (code, intent, stage, title, text, source) "
                           "VALUES ('mine', 'gift', 'presale', '旧话术', '旧库里的话术', 'user')")
    conn = connect(path)
    assert schema_version(conn) == len(MIGRATIONS)
    cols = {r[1] for r in conn.execute("PRAGMA table_info(replies)")}
    assert {"title_py", "needs", "unless"} <= cols
    assert conn.execute("SELECT text FROM replies WHERE code='mine'").fetchone()[0] == "旧库里的话术"
    kb.build(path)  # a rebuild fills the new columns and keeps the user's row
    conn = connect(path)
    assert conn.execute("SELECT count(*) FROM replies WHERE title_py IS NULL AND source='default'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM replies WHERE code='mine'").fetchone()[0] == 1


def test_a_database_damaged_after_it_was_checked_is_still_found_corrupt(db_file):
    """quick_check runs once per file as it is on disk: a page damaged in place later (a new
    mtime) is checked again, not waved through."""
    connect(db_file).close()  # checked and sound
    connect(db_file).close()  # the same file: not read through again
    with open(db_file, "r+b") as fh:
        fh.seek(4096 * 6)
        fh.write(b"\xff" * 4096)
    with pytest.raises(KBError, match="Page 7"):
        connect(db_file)


def test_a_shared_word_list_can_be_extended_for_one_reply(tmp_path, db_file):
    """`unless: [&shared [甲, 乙], 丙]` waits for 甲, 乙 and 丙; a reply that writes `unless: *shared`
    waits for 甲 and 乙 only, so one reply can add words to a list others share (forty-seventh pass)."""
    import shutil

    kb_dir = tmp_path / "kb"
    shutil.copytree(kb.paths.kb_resources_dir(), kb_dir)
    path = kb_dir / "replies" / "gift.yaml"
    text = path.read_text(encoding="utf-8")
    code = re.search(r"code: (\w+)", text[text.index("replies:"):]).group(1)
    block_end = text.index("  - code:", text.index(f"code: {code}") + 1)
    block = re.sub(r"(?m)^    unless: .*\n", "", text[:block_end])
    first_text = block.index("    text:", block.index(f"code: {code}"))
    block = block[:first_text] + "    unless: [&shared [甲词, 乙词], 丙词]\n" + block[first_text:]
    text = block + text[block_end:].rstrip("\n") + "\n  - code: zzshared\n    title: 共用\n    text: 好的\n    unless: *shared\n"
    path.write_text(text, encoding="utf-8")
    kb.build(db_file, kb_dir)
    conn = connect(db_file)
    unless = {c: json.loads(u) for c, u in conn.execute("SELECT code, unless FROM replies WHERE code IN (?, ?)", (code, "zzshared"))}
    assert unless == {code: ["甲词", "乙词", "丙词"], "zzshared": ["甲词", "乙词"]}


def test_a_shared_list_inside_a_word_list_is_checked_word_by_word(tmp_path, db_file):
    """A number hidden in the inner list is refused like one in the outer list."""
    message, code = _build_with_word_list(tmp_path, db_file, "unless", "[&inner [投诉, 12315], 差评]")
    assert "gift.yaml" in message and code in message and '"12315"' in message
