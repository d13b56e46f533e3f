"""SQLite access: connection set-up (WAL), numbered migrations, clear errors."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils


class KBError(Exception):
    """A problem with the knowledge base the user can act on (message is user-facing)."""


# Each entry is a SQL script, or a function of the connection that returns one.
MIGRATIONS: list = [
    # 1: the knowledge base
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE intents (id TEXT PRIMARY KEY, name_zh TEXT, stage TEXT);
    CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        code TEXT UNIQUE,
        intent TEXT NOT NULL,
        stage TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL DEFAULT 'default',
        enabled INTEGER NOT NULL DEFAULT 1,
        created TEXT DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX replies_intent ON replies(intent);
    CREATE TABLE triggers (
        id INTEGER PRIMARY KEY,
        intent TEXT NOT NULL,
        reply_id INTEGER REFERENCES replies(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'trigger',
        source TEXT NOT NULL DEFAULT 'default'
    );
    CREATE INDEX triggers_reply ON triggers(reply_id);
    CREATE VIRTUAL TABLE reply_fts USING fts5(
        trig, body, pinyin, code, tokenize = 'unicode61 remove_diacritics 0');
    CREATE VIRTUAL TABLE trigger_fts USING fts5(tok, tokenize = 'unicode61 remove_diacritics 0');
    CREATE TABLE lexicon (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL,
        pattern TEXT NOT NULL, weight REAL NOT NULL);
    CREATE TABLE subtext (
        id INTEGER PRIMARY KEY, words TEXT NOT NULL, intent TEXT, meaning TEXT NOT NULL,
        advice TEXT NOT NULL);
    CREATE TABLE empathy (
        id INTEGER PRIMARY KEY, emotion TEXT NOT NULL, level TEXT NOT NULL, text TEXT NOT NULL);
    CREATE TABLE playbooks (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, intents TEXT NOT NULL, keywords TEXT NOT NULL,
        steps TEXT NOT NULL, options TEXT NOT NULL, limit_text TEXT NOT NULL, escalate TEXT);
    CREATE TABLE products (
        sku TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price REAL,
        tags TEXT NOT NULL, keywords TEXT NOT NULL, descr TEXT);
    CREATE TABLE cross_sell (
        id INTEGER PRIMARY KEY, when_product TEXT, when_category TEXT, customer TEXT NOT NULL,
        recommend TEXT NOT NULL, reason TEXT NOT NULL);
    CREATE TABLE banned (
        word TEXT PRIMARY KEY, category TEXT NOT NULL, replacement TEXT NOT NULL, suggest TEXT);
    CREATE TABLE variables (name TEXT PRIMARY KEY, meaning TEXT, default_value TEXT);
    """,
    # 2: the usage log (assistant/usage.py, docs/learning.md). No foreign key to replies: a KB
    # rebuild renumbers replies, so events name a reply by reply_key (shortcode or text hash) too.
    """
    CREATE TABLE usage_events (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        kind TEXT NOT NULL
            CHECK (kind IN ('received', 'shown', 'picked', 'edited', 'sent', 'dismissed')),
        msg_id TEXT,
        msg_ts REAL,
        reply_id INTEGER,
        reply_key TEXT,
        rank INTEGER,
        score REAL,
        final_text TEXT,
        intent TEXT,
        platform TEXT NOT NULL DEFAULT '',
        profile TEXT NOT NULL DEFAULT '',
        conversation TEXT NOT NULL DEFAULT '',
        msg_hash TEXT,
        message TEXT,
        latency_ms INTEGER
    );
    CREATE INDEX usage_events_ts ON usage_events(ts);
    CREATE INDEX usage_events_kind_ts ON usage_events(kind, ts);
    CREATE INDEX usage_events_msg ON usage_events(msg_id);
    CREATE INDEX usage_events_reply ON usage_events(reply_key, kind);
    """,
    # 3: search speed at 100k replies. The title's pinyin is stored so search never loads
    # pypinyin on a keystroke; token_df holds document frequencies so queries can skip tokens
    # that match half the library. Both are filled by `kefu kb build`.
    # (Written so that it also completes a development database that already had them.)
    lambda conn: (
        "" if "title_py" in {r[1] for r in conn.execute("PRAGMA table_info(replies)")}
        else "ALTER TABLE replies ADD COLUMN title_py TEXT;"
    ) + """
    CREATE TABLE IF NOT EXISTS token_df (
        tbl TEXT NOT NULL, term TEXT NOT NULL, doc INTEGER NOT NULL,
        PRIMARY KEY (tbl, term)) WITHOUT ROWID;
    """,
    # 4: the search box's own index. Pinyin keys and single characters with FTS5 prefix indexes
    # (1–3 characters) answer the broadest keystrokes (t, tu, 发) in ~0.1 ms at 100k replies;
    # reply_fts.pinyin is no longer filled. A database built before keeps working: its pinyin
    # keys are copied here, and `kefu kb build` adds the characters.
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        keys, prefix = '1 2 3', detail = none, tokenize = 'unicode61 remove_diacritics 0');
    INSERT INTO search_fts (rowid, keys)
        SELECT rowid, pinyin FROM reply_fts WHERE pinyin != ''
        AND rowid NOT IN (SELECT rowid FROM search_fts);
    """,
    # 5: the shop manages its knowledge (assistant/kbedit.py). Products and cross-sell rules the
    # shop adds or edits are its own (source='user') and survive a rebuild; kb_overrides names the
    # default rows the shop edited, disabled or deleted, so a rebuild does not bring them back.
    lambda conn: "".join(
        f"ALTER TABLE {t} ADD COLUMN source TEXT NOT NULL DEFAULT 'default';"
        for t in ("products", "cross_sell")
        if "source" not in {r[1] for r in conn.execute(f"PRAGMA table_info({t})")}
    ) + """
    CREATE TABLE IF NOT EXISTS kb_overrides (
        key TEXT PRIMARY KEY, action TEXT NOT NULL, ts REAL NOT NULL);
    """,
]


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending numbered migrations, each in its own transaction."""
    version = schema_version(conn)
    for number, script in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        sql = script(conn) if callable(script) else script
        with conn:
            conn.executescript("BEGIN;" + sql + f"PRAGMA user_version = {number};COMMIT;")
    return schema_version(conn)


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the database in WAL mode and bring its schema up to date.

    Raises KBError with a user-facing message when the file is corrupt or locked.
    """
    path = str(path)
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            conn = sqlite3.connect(path, timeout=5, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:" and not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 5000")
        quick = conn.execute("PRAGMA quick_check").fetchone()[0]
        if quick != "ok":
            raise sqlite3.DatabaseError(quick)
        if not readonly:
            migrate(conn)
        return conn
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise KBError(f"知识库被其他程序占用（{path}），请稍后再试。") from exc
        raise KBError(f"无法打开知识库 {path}：{exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise KBError(
            f"知识库文件已损坏（{path}）：{exc}。运行 `kefu kb build --force` 可从 resources/ 重建，"
            "旧文件会先备份。"
        ) from exc


def wrap(conn: sqlite3.Connection) -> sqlite_utils.Database:
    return sqlite_utils.Database(conn)
