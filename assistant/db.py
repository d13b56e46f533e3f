"""SQLite access: connection set-up (WAL), numbered migrations, clear errors."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path



class KBError(Exception):
    """A problem with the knowledge base the user can act on (message is user-facing).

    ``state`` names what the database is in (the sidebar shows it), ``exit_code`` is what the
    CLI returns (docs/data.md lists them)."""
    state = "error"
    exit_code = 2

    def __init__(self, message: str = "", cause: str | None = None):
        super().__init__(message)
        self.cause = cause  # the sentence without the CLI's way out (the sidebar adds its own)


class KBLocked(KBError):
    """Another program holds the database: wait, never treat it as broken."""
    state, exit_code = "locked", 3


class KBCorrupt(KBError):
    """The file is not a readable database (or is empty): restore a backup or rebuild."""
    state, exit_code = "corrupt", 4


class KBReadOnly(KBError):
    """The file or its folder cannot be written."""
    state, exit_code = "readonly", 5


class KBDiskFull(KBError):
    state, exit_code = "full", 6


class KBNewer(KBError):
    """Written by a newer version of the app (schema version above what this one knows)."""
    state, exit_code = "newer", 7


STATE_NAMES = {"locked": "已锁定", "corrupt": "已损坏", "readonly": "只读", "full": "磁盘已满",
               "newer": "版本过新", "error": "出错"}

# SQLite primary result codes (sqlite3 exceptions carry them as sqlite_errorcode, extended)
# extended codes of a write the OS refused: IOERR_WRITE, IOERR_FSYNC, IOERR_TRUNCATE
_WRITE_FAILED = {10 | (3 << 8), 10 | (4 << 8), 10 | (6 << 8)}
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB, _PERM = 5, 6, 8, 10, 11, 13, 14, 26, 3


_UI_WAY_OUT = {
    "corrupt": "点“恢复备份”换回最近的完好备份（店铺自己的话术和使用记录一起回来），或点“重新生成”从默认话术重建；"
               "坏文件都会先另存一份。",
}


def way_out(state: str, path, ui: bool = False) -> str:
    """The next step for the agent, one sentence (``ui``: in the sidebar's words)."""
    if ui and state in _UI_WAY_OUT:
        return _UI_WAY_OUT[state]
    return {
        "locked": "请关掉正在使用它的程序（另一个客服助手、数据库工具、同步盘）后再试；文件本身没有问题。",
        "corrupt": "运行 `kefu kb restore` 恢复最近的完好备份（也可以在侧栏点“恢复备份”），或 `kefu kb build` 从默认话术重建（坏文件会先另存一份）。",
        "readonly": f"请检查 {path} 和它所在文件夹的写入权限（只读属性、同步盘、U 盘写保护），或把数据目录换到可写的位置（环境变量 KEFU_HOME）。",
        "full": "请清理磁盘空间（或 `kefu kb backups` 查看并删除旧备份）后再试；知识库没有改动。",
        "newer": "请升级客服助手到最新版本；这个文件不会被旧版本改动。",
    }.get(state, "")


def translate(exc: BaseException, path, doing: str = "") -> KBError:
    """A KBError (with the way out) for an sqlite3/OS error met while working on ``path``."""
    if isinstance(exc, KBError):
        return exc
    what = f"{doing}时" if doing else ""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    msg = str(exc)
    low = msg.lower()
    if primary in (_BUSY, _LOCKED) or "locked" in low or "busy" in low:
        cause = f"知识库{what}被其他程序占用（{path}）。"
        return KBLocked(cause + way_out("locked", path), cause)
    if primary == _FULL or "disk is full" in low or getattr(exc, "errno", None) in (28, 27):  # ENOSPC, EFBIG
        cause = f"{what}磁盘已满，写不进去（{path}）。"
        return KBDiskFull(cause + way_out("full", path), cause)
    if code in _WRITE_FAILED:  # a short or refused write: a full disk or a file-size limit, mostly
        cause = f"{what}写入磁盘失败（磁盘已满或出错，{path}）。"
        return KBDiskFull(cause + way_out("full", path), cause)
    if (primary in (_READONLY, _PERM) or "readonly" in low or "read-only" in low
            or isinstance(exc, PermissionError) or getattr(exc, "errno", None) in (1, 13, 30)):
        cause = f"知识库是只读的，{what}写不进去（{path}）。"
        return KBReadOnly(cause + way_out("readonly", path), cause)
    if primary in (_CORRUPT, _NOTADB) or "malformed" in low or "not a database" in low:
        cause = f"知识库文件已损坏（{path}）：{msg}。"
        return KBCorrupt(cause + way_out("corrupt", path), cause)
    if primary in (_CANTOPEN, _IOERR) or isinstance(exc, OSError):
        return KBError(f"{what}无法读写知识库 {path}：{msg}。请确认它是一个文件、所在磁盘可用。")
    return KBError(f"知识库{what}出错（{path}）：{msg}")


BUSY_TIMEOUT_MS = 5000  # how long to wait for another program's lock before saying "locked"


class KBConnection(sqlite3.Connection):
    """sqlite3.Connection that knows its file and whether it may write."""
    path: str = ""
    readonly: bool = False


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
    # 2: the usage log (assistant/usage/, docs/learning.md). No foreign key to replies: a KB
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
    # 6: reply_fts.pinyin has been empty since 4 (the search box has search_fts): the column goes.
    # FTS5 cannot drop a column, so the index is copied into a new table of three columns.
    """
    CREATE VIRTUAL TABLE reply_fts_new USING fts5(
        trig, body, code, tokenize = 'unicode61 remove_diacritics 0');
    INSERT INTO reply_fts_new (rowid, trig, body, code) SELECT rowid, trig, body, code FROM reply_fts;
    DROP TABLE reply_fts;
    ALTER TABLE reply_fts_new RENAME TO reply_fts;
    """,
    # 7: a reply may presuppose a situation (破损: the goods arrived broken); it is offered only
    # when the conversation mentions one of its words (JSON list, NULL = always)
    "ALTER TABLE replies ADD COLUMN needs TEXT;",
    # 8: a reply may assert a state (现货可拍, 还没发货的订单); it is not offered when the
    # conversation says the opposite (没货, 已发货): one of its words (JSON list, NULL = never)
    "ALTER TABLE replies ADD COLUMN unless TEXT;",
    # 9: phrasings added after the models learned (kind 'late', resources' late_triggers): the
    # engine looks up the replies that have only those on every reload, without a full scan
    "CREATE INDEX IF NOT EXISTS triggers_late ON triggers(reply_id) WHERE kind = 'late';",
]


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending numbered migrations, each in its own transaction. A database written by a
    newer version (higher schema number) is refused rather than half-understood."""
    version = schema_version(conn)
    if version > len(MIGRATIONS):
        raise KBNewer(f"这个知识库来自更新版本的客服助手（数据格式 {version}，本版本只认识到 {len(MIGRATIONS)}）。"
                      + way_out("newer", getattr(conn, "path", "")))
    for number, script in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        sql = script(conn) if callable(script) else script
        with conn:
            conn.executescript("BEGIN;" + sql + f"PRAGMA user_version = {number};COMMIT;")
    return schema_version(conn)


def _writable(conn: sqlite3.Connection) -> bool:
    """Probe with a write that is rolled back: SQLite opens a file it cannot write read-only
    without saying so. A busy database (someone else is writing) counts as writable."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(f"PRAGMA user_version = {schema_version(conn)}")
        finally:
            conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        return not isinstance(translate(exc, ""), KBReadOnly)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def check_file(path: Path) -> None:
    """What can be told about the database file without opening it."""
    if path.is_dir():
        raise KBError(f"{path} 是一个文件夹，不是知识库文件：请把它改名或移走，再运行 `kefu kb build`。")
    if path.exists() and path.stat().st_size == 0:
        wal = path.with_name(path.name + "-wal")
        if not (wal.exists() and wal.stat().st_size > 0):
            cause = f"知识库文件是空的（0 字节，{path}）。"
            raise KBCorrupt(cause + way_out("corrupt", path), cause)


# PRAGMA quick_check reads every page (140–320 ms on a 100k-reply database): done once per file
# as it is on disk, so the app's start checks it and later connections (stats, variant check,
# import) do not. A file replaced (restore, rebuild) or written in place (a new mtime) is
# checked again; path -> (device, inode, size, mtime_ns) of the file last found sound.
_CHECKED: dict[str, tuple[int, int, int, int]] = {}


def _file_stamp(path: str) -> tuple[int, int, int, int] | None:
    if path == ":memory:":
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def connect(path: Path | str, *, readonly: bool = False, allow_readonly: bool = False) -> KBConnection:
    """Open the database in WAL mode and bring its schema up to date.

    Raises a KBError subclass with a user-facing message: KBLocked when another program holds
    it, KBCorrupt when the file is broken or empty, KBReadOnly when it cannot be written (unless
    ``allow_readonly``: then a read-only connection comes back with ``conn.readonly`` set),
    KBNewer when a newer version wrote it."""
    path = str(path)
    conn = None
    try:
        if path != ":memory:":
            check_file(Path(path))
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, factory=KBConnection)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, factory=KBConnection)
        conn.path = path
        conn.readonly = readonly
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path != ":memory:" and not readonly:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        stamp = _file_stamp(path)
        if stamp is None or _CHECKED.get(path) != stamp:
            quick = conn.execute("PRAGMA quick_check").fetchone()[0]
            if quick != "ok":
                raise sqlite3.DatabaseError(quick)
            if stamp is not None:
                _CHECKED[path] = stamp
        if path != ":memory:" and not readonly and not _writable(conn):
            if not allow_readonly:
                raise KBReadOnly(f"知识库是只读的（{path}）。" + way_out("readonly", path))
            conn.readonly = True
        if not conn.readonly:
            migrate(conn)
        elif schema_version(conn) > len(MIGRATIONS):
            migrate(conn)  # raises KBNewer
        return conn
    except (sqlite3.Error, OSError, KBError) as exc:
        if conn is not None:
            conn.close()
        if allow_readonly and not readonly and isinstance(translate(exc, path), KBReadOnly):
            return connect(path, readonly=True)  # e.g. WAL switch refused on a read-only file
        raise translate(exc, path, "打开") from exc
