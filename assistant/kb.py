"""Build knowledge.db from the reviewable YAML in resources/kb/.

A rebuild replaces the rows that came from resources/ (source='default') and keeps everything
the shop added itself; the file is backed up first when it holds user data. A corrupt (or empty)
file is copied to backups/ and built anew; a locked one is never touched (assistant/backups.py).

Size (~520 lines): building the database is one pass over the YAML with its validation, indexing
and the rows the shop keeps; split by table it would pass the same connection and report around.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from assistant import paths, text
from assistant.db import KBCorrupt, KBError, connect, migrate

# An `unless` word written 客服:… counts only in what the agent said (客服:有礼盒: the agent has said
# there is a gift box, so a reply that would go and check waits; forty-third pass).
AGENT_SAID = "客服:"
# A `needs` word written 问:… counts only in the customer's message itself, not in the turns before it:
# 刻字定制 answers "能刻字吗", not a question about the gift box asked after the engraving was settled
# (fifty-fourth pass).
ASKED_NOW = "问:"


def _word_list_problem(words) -> str | None:
    """Why a `needs` / `unless` list is not a list of words, in the editor's terms (None: it is)."""
    if words is None:
        return None
    if not isinstance(words, list) or not words:
        return "写成 [词语1, 词语2] 的形式，至少一个词"
    for w in words:
        if isinstance(w, (int, float)) and not isinstance(w, bool):
            return f"{w} 会被读成数字，请加引号写成 \"{w}\""
        if not isinstance(w, str) or not w.strip():
            return f"{w!r} 不是词语"
        if w.startswith(AGENT_SAID) and not w[len(AGENT_SAID):].strip():
            return "“客服:”后面要写词语"
        if w.startswith(ASKED_NOW) and not w[len(ASKED_NOW):].strip():
            return "“问:”后面要写词语"
    return None


def _flat(words):
    """A word list with anchored lists inside it spelled out: [&shared [有货就拍 …], 再不发] is the
    shared words and 再不发, so one reply can wait for more than the replies it shares a list with
    (forty-seventh pass)."""
    if not isinstance(words, list) or not any(isinstance(w, list) for w in words):
        return words
    return [x for w in words for x in (w if isinstance(w, list) else [w])]


def _split_prefixed(words, prefix: str) -> tuple[list[str], list[str]]:
    """A word list (lower case) split into its plain words and those written with ``prefix`` (bare)."""
    words = [w.lower() for w in words or ()]
    return ([w for w in words if not w.startswith(prefix)], [w[len(prefix):] for w in words if w.startswith(prefix)])


def split_needs(words) -> tuple[list[str], list[str]]:
    """A reply's `needs` words (lower case): those looked for in the chat, those in the message only."""
    return _split_prefixed(words, ASKED_NOW)


def split_unless(words) -> tuple[list[str], list[str]]:
    """A reply's `unless` words (lower case): those for the whole chat, those for the agent's turns."""
    return _split_prefixed(words, AGENT_SAID)

log = logging.getLogger(__name__)
# libyaml's loader when PyYAML's wheel has it (it does on Windows, macOS and manylinux): ~8× faster
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STAGES = {"presale", "order", "aftersale", "any"}


@dataclass
class BuildReport:
    replies: int = 0
    triggers: int = 0
    playbooks: int = 0
    subtext: int = 0
    empathy: int = 0
    products: int = 0
    cross_sell: int = 0
    banned: int = 0
    lexicon: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def _load_yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise KBError(f"{path.name} 格式错误：{exc}") from exc
    except UnicodeDecodeError as exc:
        raise KBError(f"{path.name} 不是 UTF-8 文本") from exc


def _load_optional(path: Path, default):
    return _load_yaml(path) if path.exists() else default


def load_spec_intents(kb_dir: Path) -> list[dict]:
    return _read_tsv(kb_dir / "intents.tsv")


def emotion_names(kb_dir: Path | None = None) -> dict[str, str]:
    """Emotion id → its Chinese name (平静, 焦急 …), from emotions.tsv."""
    return {r["id"]: r["name_zh"] for r in _read_tsv((kb_dir or paths.kb_resources_dir()) / "emotions.tsv")}


def _read_tsv(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            if line.strip():
                rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return rows


def resources_mtime(kb_dir: Path | None = None) -> float:
    kb_dir = kb_dir or paths.kb_resources_dir()
    files = [p for p in kb_dir.rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in files), default=0.0)


def is_stale(db_file: Path, kb_dir: Path | None = None) -> bool:
    """Missing, empty (0 bytes: never a usable library) or older than resources/."""
    if not db_file.exists() or db_file.is_dir():
        return not db_file.is_dir()  # a folder in its place is reported by connect(), not rebuilt over
    st = db_file.stat()
    if st.st_size == 0:
        return True
    return st.st_mtime < resources_mtime(kb_dir)


def backup(db_file: Path, reason: str) -> Path | None:
    """Kept for callers of the old name: assistant.backups.make_backup."""
    from assistant import backups

    return backups.make_backup(db_file, reason)


def _has_user_data(conn: sqlite3.Connection) -> bool:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "replies" in tables and conn.execute(
        "SELECT 1 FROM replies WHERE source != 'default' LIMIT 1"
    ).fetchone():
        return True
    if "usage_events" in tables and conn.execute("SELECT 1 FROM usage_events LIMIT 1").fetchone():
        return True
    if "kb_overrides" in tables and conn.execute("SELECT 1 FROM kb_overrides LIMIT 1").fetchone():
        return True
    for table in ("products", "cross_sell"):
        cols = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if "source" in cols and conn.execute(f"SELECT 1 FROM {table} WHERE source != 'default' LIMIT 1").fetchone():
            return True
    return False


# --- what the shop changed survives a rebuild ---------------------------------------------------

def reply_origin_key(code: str | None, intent: str | None, body: str | None) -> str:
    """The name of a default reply in kb_overrides: the usage log's reply key (shortcode, else a
    hash of intent and text), so a new default version with the same shortcode stays replaced."""
    from assistant.usage import reply_key

    return reply_key(code, intent, body)


def product_origin_key(sku: str) -> str:
    return "p:" + str(sku)


def rule_origin_key(when_product, when_category, customer, recommend) -> str:
    import hashlib

    raw = "\n".join(str(v or "") for v in (when_product, when_category, customer or "any", recommend))
    return "x:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def overrides(conn: sqlite3.Connection) -> set[str]:
    try:
        return {r[0] for r in conn.execute("SELECT key FROM kb_overrides")}
    except sqlite3.OperationalError:
        return set()


def open_for_build(db_file: Path, problems: list[str] | None = None) -> sqlite3.Connection:
    """Open (creating, or replacing a corrupt or empty file) a database for building.

    Only a file SQLite cannot read is replaced, after a byte copy to backups/: a locked, read-only
    or newer database raises its KBError and stays exactly as it is."""
    try:
        return connect(db_file)
    except KBCorrupt as exc:
        from assistant import backups

        empty = db_file.stat().st_size == 0
        saved = None if empty else backups.make_backup(db_file, "corrupt")
        good = backups.newest_good()
        hint = (f"最近的完好备份是 {good.path}（自建话术 {good.user_replies} 条，使用记录 {good.usage_events} 条），"
                "要找回店铺自己的话术和使用记录：`kefu kb restore`。" if good else
                "没有找到完好的备份：店铺自己的话术只能从话术表重新导入。")
        note = ("原来的 knowledge.db 是空文件（0 字节），已重新生成。" if empty else
                f"原来的 knowledge.db 已损坏，已另存为 {saved}，并重新生成。") + hint
        log.warning("%s", note)
        if problems is not None:
            problems.append(note)
        for suffix in ("", "-wal", "-shm"):
            side = db_file.with_name(db_file.name + suffix)
            if side.exists():
                side.unlink()
        return connect(db_file)


def build(db_file: Path | None = None, kb_dir: Path | None = None, *, conn=None,
          backup_first: bool = True, for_training: bool = False) -> BuildReport:
    """(Re)build the default knowledge into ``db_file`` (or into an open ``conn``).

    ``for_training``: the scratch knowledge `kefu train` fits the ranker on, without the phrasings
    added after the models learned (``late_triggers``: ``untaught``)."""
    started = time.perf_counter()
    kb_dir = kb_dir or paths.kb_resources_dir()
    db_file = Path(db_file) if db_file else None
    data = read_resources(kb_dir)  # validate everything before touching the database
    if for_training:
        data = untaught(data)
    own = conn is None
    opened: list[str] = []
    if own:
        db_file = db_file or paths.db_path()
        conn = open_for_build(db_file, opened)
        if backup_first and _has_user_data(conn):
            backup(db_file, "before-build")
    try:
        migrate(conn)
        report = _write(conn, data)
    except sqlite3.Error as exc:
        from assistant.db import translate

        raise translate(exc, db_file or "knowledge.db", "生成") from exc
    finally:
        if own:
            conn.close()
    report.problems[:0] = opened
    if own and db_file is not None and db_file.exists():
        db_file.touch()  # mtime marks it fresh against resources/
    report.seconds = time.perf_counter() - started
    return report


def read_resources(kb_dir: Path) -> dict:
    if not kb_dir.is_dir():
        raise KBError(f"找不到知识库资源目录：{kb_dir}")
    intents = {row["id"]: row for row in load_spec_intents(kb_dir)}
    problems: list[str] = []
    reply_files = sorted((kb_dir / "replies").glob("*.yaml"))
    replies = []
    for path in reply_files:
        doc = _load_yaml(path) or {}
        intent = doc.get("intent")
        if intent not in intents:
            raise KBError(f"{path.name}: 未知的意图 id {intent!r}")
        doc.setdefault("stage", intents[intent]["stage"])
        if doc["stage"] not in STAGES:
            raise KBError(f"{path.name}: 未知的阶段 {doc['stage']!r}")
        for i, rep in enumerate(doc.get("replies") or []):
            if not isinstance(rep, dict) or not str(rep.get("text", "")).strip():
                raise KBError(f"{path.name}: 第 {i + 1} 条话术缺少 text")
            for key in ("needs", "unless"):
                if key in rep:
                    rep[key] = _flat(rep[key])
                if (why := _word_list_problem(rep.get(key))) is not None:
                    raise KBError(f"{path.name}: 第 {i + 1} 条话术（{rep.get('code') or rep.get('title') or ''}）的 {key} "
                                  f"应是非空的词语列表：{why}")
            late = rep.get("late_triggers")
            if late is not None and (not isinstance(late, list) or not all(isinstance(w, str) and w.strip() for w in late)):
                raise KBError(f"{path.name}: 第 {i + 1} 条话术的 late_triggers 应是问法列表")
        replies.append(doc)
    lists = {name: _entries(kb_dir / f"{name}.yaml", keys) for name, keys in REQUIRED_KEYS.items()}
    return {
        "intents": intents,
        "replies": replies,
        "lexicon": _load_optional(kb_dir / "lexicon.yaml", {}) or {},
        "empathy": _load_optional(kb_dir / "empathy.yaml", {}) or {},
        **lists,
        "variables": _load_optional(kb_dir / "variables.yaml", {}) or {},
        "problems": problems,
    }


def untaught(data: dict) -> dict:
    """``read_resources`` output without the phrasings added after the models learned.

    A reply's ``late_triggers`` (all the phrasings of a reply added later, as a shop's own replies
    are, or more for an old one) find it like its ``triggers`` (full text, closeness to the
    message), but `kefu train` leaves them out of the reader's examples and of the knowledge the
    ranker is fitted on, so adding them moves no other reply."""
    docs = []
    for doc in data["replies"]:
        items = [{**item, "late_triggers": []} if item.get("late_triggers") else item for item in doc.get("replies") or []]
        docs.append({**doc, "replies": items})
    return {**data, "replies": docs}


# the keys each entry of a list file must have (the others are optional)
REQUIRED_KEYS = {
    "subtext": ("meaning", "advice"),
    "playbooks": ("id", "name"),
    "products": ("sku", "name", "category"),
    "cross_sell": ("recommend", "reason"),
    "banned": ("category",),
}


def _entries(path: Path, keys: tuple[str, ...]) -> list[dict]:
    """A list file's entries, each checked for its required keys: one clear KBError naming the
    file, the entry and the key, before the database is touched."""
    data = _load_optional(path, []) or []
    if not isinstance(data, list):
        raise KBError(f"{path.name}: 应是一个列表（每条以 - 开头）")
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise KBError(f"{path.name}: 第 {i + 1} 条不是“键: 值”的形式")
        missing = [k for k in keys if entry.get(k) in (None, "")]
        if missing:
            raise KBError(f"{path.name}: 第 {i + 1} 条缺少 " + "、".join(missing))
    return data


def reply_index_row(title: str, body: str, triggers: list[str], code: str,
                    keywords: tuple[str, ...] = ()) -> tuple[str, str, str, str]:
    """(trig, body, code) columns of one reply's reply_fts row and its search_fts keys.

    The search keys cover the title, the first phrasing and the intent's first keywords: what an
    agent remembers and types (per-phrase results are cached, so shared keywords cost once). The
    intent's keywords are not in `trig`: shared by every reply of the intent, they cannot tell
    those replies apart, and the analysis already weighs them."""
    return (text.index_tokens(" ".join([title, *triggers])), text.index_tokens(body), code or "",
            text.search_keys([title, *triggers[:1], *keywords[:4]]))


def index_replies(conn: sqlite3.Connection, rows) -> int:
    """Insert (rowid, trig, body, code, keys) rows into reply_fts and search_fts."""
    rows = list(rows)
    conn.executemany("INSERT INTO reply_fts (rowid, trig, body, code) VALUES (?,?,?,?)",
                     [r[:4] for r in rows])
    conn.executemany("INSERT INTO search_fts (rowid, keys) VALUES (?,?)", [(r[0], r[4]) for r in rows])
    return len(rows)


def _trigger_fts_row(job):
    tid, phrase = job
    return tid, text.index_tokens(phrase)


def _reply_fts_row(job):
    """(rowid, trig, body, code, search keys, title pinyin) of one reply."""
    rid, title, body, triggers, code, keywords = job
    return (rid, *reply_index_row(title, body, triggers, code, keywords), " ".join(text.title_pinyin(title)))


PARALLEL_FROM = 20_000  # rows; below this a process pool costs more than it saves
CHUNK = 2000


def _tokenise(fn, jobs: list):
    """Tokenise rows; returns an iterator over lists of results, in order.

    A big library is tokenised by worker processes that start at once, while this process goes
    on writing other tables and then each chunk as it arrives."""
    if len(jobs) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return iter([[fn(j) for j in jobs]])
    import multiprocessing as mp

    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    pool = ctx.Pool(min(4, os.cpu_count() or 2))
    results = pool.imap(_map_chunk, [(fn, jobs[i : i + CHUNK]) for i in range(0, len(jobs), CHUNK)])

    def chunks():
        try:
            yield from results
        finally:
            pool.terminate()
            pool.join()
    return chunks()


def _map_chunk(args):
    fn, jobs = args
    return [fn(j) for j in jobs]


def _write(conn: sqlite3.Connection, data: dict) -> BuildReport:
    rep = BuildReport(problems=list(data["problems"]))
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB page cache while building
    for table in ("reply_fts", "search_fts", "trigger_fts"):
        try:  # FTS5 flushes its pending terms every 1 MB by default: 16 MB makes a 100k build ~1.5 s faster
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('hashsize', ?)", (16 << 20,))
        except sqlite3.OperationalError:  # an SQLite without the option: the default is fine
            pass

    @lru_cache(maxsize=4096)
    def _j(v: tuple) -> str:
        return json.dumps(list(v), ensure_ascii=False)

    def j(v):  # YAML may read 12315 or 88 as numbers: everything listed is text
        return _j(tuple(str(x) for x in (v or [])))
    with conn:  # one transaction: all or nothing
        old_ids = [r[0] for r in conn.execute("SELECT id FROM replies WHERE source='default'")]
        for rid in old_ids:
            conn.execute("DELETE FROM reply_fts WHERE rowid=?", (rid,))
            conn.execute("DELETE FROM search_fts WHERE rowid=?", (rid,))
        old_tr = [r[0] for r in conn.execute(
            "SELECT id FROM triggers WHERE source='default' AND reply_id IS NULL")]
        for tid in old_tr:
            conn.execute("DELETE FROM trigger_fts WHERE rowid=?", (tid,))
        conn.execute("DELETE FROM triggers WHERE source='default'")
        conn.execute("DELETE FROM replies WHERE source='default'")
        for table in ("intents", "lexicon", "subtext", "empathy", "playbooks", "banned", "variables"):
            conn.execute(f"DELETE FROM {table}")
        # the shop's own products and rules stay; so do its edits of default ones (kb_overrides)
        conn.execute("DELETE FROM products WHERE source='default'")
        conn.execute("DELETE FROM cross_sell WHERE source='default'")
        replaced = overrides(conn)

        for iid, row in data["intents"].items():
            conn.execute("INSERT INTO intents VALUES (?,?,?)", (iid, row["name_zh"], row["stage"]))

        codes: set[str] = {r[0] for r in conn.execute("SELECT code FROM replies WHERE code IS NOT NULL")}
        next_reply = (conn.execute("SELECT max(id) FROM replies").fetchone()[0] or 0) + 1
        next_trigger = (conn.execute("SELECT max(id) FROM triggers").fetchone()[0] or 0) + 1
        reply_rows, trigger_rows, fts_jobs = [], [], []
        for doc in data["replies"]:
            intent, stage = doc["intent"], doc["stage"]
            keywords = [str(k) for k in (doc.get("keywords") or [])]
            for phrase in [str(t) for t in (doc.get("triggers") or [])] + keywords:
                trigger_rows.append((next_trigger, intent, None, phrase, "trigger"))
                next_trigger += 1
            for item in doc.get("replies") or []:
                code = str(item.get("code") or "").strip().lower() or None
                if replaced and reply_origin_key(code, intent, str(item["text"]).strip()) in replaced:
                    continue  # the shop edited, disabled or deleted this one: its version stands
                if code in codes:
                    rep.problems.append(f"重复的快捷码 {code}（{intent}）已忽略")
                    code = None
                if code:
                    codes.add(code)
                body = str(item["text"]).strip()
                title = str(item.get("title") or body[:10])
                # kind 'late': phrasings added after the models learned (they find the reply, train nothing)
                kinds = [(str(t), "trigger") for t in item.get("triggers") or []] + \
                        [(str(t), "late") for t in item.get("late_triggers") or []]
                own = [phrase for phrase, _ in kinds]
                rid = next_reply
                next_reply += 1
                reply_rows.append((rid, code, intent, item.get("stage", stage), title, body, j(item.get("tags")),
                                   j(item["needs"]) if item.get("needs") else None,
                                   j(item["unless"]) if item.get("unless") else None))
                for phrase, kind in kinds:
                    trigger_rows.append((next_trigger, intent, rid, phrase, kind))
                    next_trigger += 1
                fts_jobs.append((rid, title, body, own, code or "", tuple(keywords[:6])))
        # Replies are written chunk by chunk as they come back tokenised (in order, so they line
        # up with reply_rows); their phrasings after them, for the foreign key.
        done = 0
        for chunk in _tokenise(_reply_fts_row, fts_jobs):
            rows = reply_rows[done : done + len(chunk)]
            done += len(chunk)
            conn.executemany("INSERT INTO replies (id, code, intent, stage, title, text, tags, needs, unless, title_py) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?)", [(*r, c[5]) for r, c in zip(rows, chunk)])
            index_replies(conn, chunk)
        conn.executemany("INSERT INTO triggers (id, intent, reply_id, text, kind) VALUES (?,?,?,?,?)", trigger_rows)
        # intent-level phrasings only: a reply's own phrasings are indexed in reply_fts.trig
        for chunk in _tokenise(_trigger_fts_row, [(t[0], t[3]) for t in trigger_rows if t[2] is None]):
            conn.executemany("INSERT INTO trigger_fts (rowid, tok) VALUES (?,?)", chunk)
        rep.replies += len(reply_rows)
        rep.triggers += len(trigger_rows)

        # the "product" entity's words: nouns, modifiers, suffixes, brands, words that are not
        # products, and nouns that name a whole kind of goods (衣服); matched literally (a plain
        # list is nouns)
        product = data["lexicon"].get("product") or {}
        if isinstance(product, list):
            product = {"nouns": product}
        groups = []
        nouns = product.get("nouns") or []
        for cat, words in (nouns.items() if isinstance(nouns, dict) else [("", nouns)]):
            groups.append((f"nouns:{cat}" if cat else "nouns", words))  # nouns by category
        groups += [(label, product.get(label)) for label in ("modifiers", "suffixes", "brands", "not", "generic")]
        for label, words in groups:
            for word in dict.fromkeys(str(n).strip() for n in (words or [])):
                if word:
                    conn.execute("INSERT INTO lexicon (kind, label, pattern, weight) VALUES ('product', ?, ?, 1)",
                                 (label, word))
                    rep.lexicon += 1
        for kind in ("intent", "emotion", "urgent"):
            for label, patterns in (data["lexicon"].get(kind) or {}).items():
                for entry in patterns or []:
                    pattern, weight = entry[0], float(entry[1])
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise KBError(f"lexicon.yaml: {label} 的规则 {pattern!r} 无效：{exc}") from exc
                    conn.execute("INSERT INTO lexicon (kind, label, pattern, weight) VALUES (?,?,?,?)",
                                 (kind, label, pattern, weight))
                    rep.lexicon += 1

        for rule in data["subtext"]:
            conn.execute("INSERT INTO subtext (words, intent, meaning, advice) VALUES (?,?,?,?)",
                         (j(rule.get("when")), rule.get("intent"), rule["meaning"], rule["advice"]))
            rep.subtext += 1
        for emotion, levels in data["empathy"].items():
            for level, lines in (levels or {}).items():
                for line in lines or []:
                    conn.execute("INSERT INTO empathy (emotion, level, text) VALUES (?,?,?)",
                                 (emotion, level, str(line)))
                    rep.empathy += 1
        for pb in data["playbooks"]:
            conn.execute("INSERT INTO playbooks VALUES (?,?,?,?,?,?,?,?)",
                         (pb["id"], pb["name"], j(pb.get("intents")), j(pb.get("keywords")),
                          j(pb.get("steps")), j(pb.get("options")), str(pb.get("limit", "")),
                          pb.get("escalate")))
            rep.playbooks += 1
        skus = {r[0] for r in conn.execute("SELECT sku FROM products")}  # the shop's own
        for p in data["products"]:
            if p["sku"] in skus or product_origin_key(p["sku"]) in replaced:
                skus.add(p["sku"])
                continue
            skus.add(p["sku"])
            conn.execute("INSERT INTO products (sku, name, category, price, tags, keywords, descr) "
                         "VALUES (?,?,?,?,?,?,?)",
                         (p["sku"], p["name"], p["category"], p.get("price"), j(p.get("tags")),
                          j(p.get("keywords")), p.get("desc")))
            rep.products += 1
        for rule in data["cross_sell"]:
            if rule.get("recommend") not in skus:
                rep.problems.append(f"搭配规则推荐了不存在的商品 {rule.get('recommend')}")
                continue
            if rule_origin_key(rule.get("when_product"), rule.get("when_category"), rule.get("customer", "any"),
                               rule.get("recommend")) in replaced:
                continue
            conn.execute(
                "INSERT INTO cross_sell (when_product, when_category, customer, recommend, reason)"
                " VALUES (?,?,?,?,?)",
                (rule.get("when_product"), rule.get("when_category"), rule.get("customer", "any"),
                 rule["recommend"], rule["reason"]))
            rep.cross_sell += 1
        for group in data["banned"]:
            for word, replacement in (group.get("words") or {}).items():
                conn.execute("INSERT OR REPLACE INTO banned VALUES (?,?,?,?)",
                             (str(word), group["category"], str(replacement or ""),
                              group.get("suggest")))
                rep.banned += 1
        for name, info in (data["variables"] or {}).items():
            info = info or {}
            conn.execute("INSERT INTO variables VALUES (?,?,?)",
                         (name, info.get("meaning"), info.get("default")))
        refresh_token_df(conn)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('built_at', ?)", (time.strftime("%Y-%m-%d %H:%M:%S"),))
    return rep


def refresh_token_df(conn: sqlite3.Connection) -> None:
    """Document frequency of every indexed token, so queries can skip tokens that match half
    the library (a 100k-reply BM25 over 怎么 scores 30k rows for nothing). ~1 s at 100k."""
    conn.execute("DELETE FROM token_df")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.reply_vocab USING fts5vocab(main, 'reply_fts', 'col')")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.trigger_vocab USING fts5vocab(main, 'trigger_fts', 'row')")
    conn.execute("INSERT INTO token_df SELECT 'reply', term, sum(doc) FROM temp.reply_vocab "
                 "WHERE col IN ('trig', 'body') GROUP BY term")
    conn.execute("INSERT INTO token_df SELECT 'trigger', term, doc FROM temp.trigger_vocab")
    for tbl, n in (("reply", conn.execute("SELECT count(*) FROM replies").fetchone()[0]),
                   ("trigger", conn.execute("SELECT count(*) FROM triggers WHERE reply_id IS NULL").fetchone()[0])):
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"docs_{tbl}", str(n)))


def intent_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Intent id → its Chinese name, in the order intents.tsv lists them."""
    return {r[0]: r[1] for r in conn.execute("SELECT id, name_zh FROM intents ORDER BY rowid")}


def stats(conn: sqlite3.Connection) -> dict:
    out = {}
    for table in ("replies", "triggers", "subtext", "empathy", "playbooks", "products",
                  "cross_sell", "banned", "lexicon"):
        out[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    out["intents_covered"] = conn.execute("SELECT count(DISTINCT intent) FROM replies").fetchone()[0]
    out["user_replies"] = conn.execute("SELECT count(*) FROM replies WHERE source!='default'").fetchone()[0]
    row = conn.execute("SELECT value FROM meta WHERE key='built_at'").fetchone()
    out["built_at"] = row[0] if row else None
    return out


def ensure_built(db_file: Path | None = None) -> Path:
    """Build knowledge.db if it is missing, unreadable or older than resources/."""
    db_file = Path(db_file or paths.db_path())
    if is_stale(db_file):
        build(db_file)
    return db_file
