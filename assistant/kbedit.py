"""The shop manages its own knowledge: add, edit, disable and delete replies, products and
cross-sell rules, each change undoable, with the checks an owner needs before saving (shortcode
clash, near-duplicate, unknown variables, 违禁词).

Headless (no Qt): the 话术库 window (ui/kb_window.py) and the tests drive the same object.

What survives a `kefu kb build` of a new default knowledge version:
- replies, products and rules the shop added (``source='user'``);
- default ones the shop edited or disabled: the edit turns the row into the shop's own
  (``source='user'``) and names the default it came from in ``kb_overrides``, so the rebuild does
  not add the old default back beside it;
- default ones the shop deleted (``kb_overrides`` action ``deleted``).

Every change is one transaction and pushes a snapshot of what it touched (the row, a reply's
phrasings, the override) on the undo stack; ``undo()`` puts that snapshot back, same id.
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from assistant import kb, templates, text

CODE_RE = re.compile(r"[a-z0-9_\-]{1,20}")
NEAR_DUPLICATE = 90  # rapidfuzz ratio (0-100) of the normalised texts from which we warn
MAX_TEXT = 2000


@dataclass
class ReplyDraft:
    text: str
    intent: str
    title: str = ""
    code: str = ""
    triggers: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    enabled: bool = True
    stage: str = ""  # empty: the intent's stage


@dataclass
class Check:
    kind: str  # empty | intent | code_format | code_clash | near_duplicate | unknown_variable | banned | too_long
    message: str  # Chinese, for the owner
    blocking: bool = False  # the change cannot be saved
    other_id: int | None = None


@dataclass
class Change:
    """One undoable change: what it did (for the window's 撤销 label) and the state before."""
    label: str
    table: str  # replies | products | cross_sell
    key: object  # row id / sku
    before: dict | None  # None: the row did not exist
    triggers: list[dict] = field(default_factory=list)  # a reply's phrasings before the change
    override_key: str | None = None
    override_before: dict | None = None
    after_key: object = None  # a product renamed to another sku: the row to remove on undo
    index: dict = field(default_factory=dict)  # a reply's FTS rows before the change, put back verbatim


class KBEditor:
    """Changes to one knowledge base, through one connection (the engine's, or its own)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.undo_stack: list[Change] = []
        kb.migrate(conn)

    # --- reading ----------------------------------------------------------------------------

    def intents(self) -> dict[str, str]:
        return kb.intent_names(self.conn)

    def variables(self) -> dict[str, str | None]:
        return {r[0]: r[2] for r in self.conn.execute("SELECT name, meaning, default_value FROM variables")}

    def reply(self, rid: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM replies WHERE id=?", (rid,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["tags"] = json.loads(out.get("tags") or "[]")
        out["triggers"] = [r[0] for r in self.conn.execute(
            "SELECT text FROM triggers WHERE reply_id=? ORDER BY id", (rid,))]
        return out

    def replies(self, intent: str | None = None, *, include_disabled: bool = True, limit: int = 5000) -> list[dict]:
        sql = "SELECT id, code, intent, stage, title, text, tags, source, enabled FROM replies"
        where, args = [], []
        if intent:
            where.append("intent=?")
            args.append(intent)
        if not include_disabled:
            where.append("enabled=1")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY intent, id LIMIT ?"
        return [dict(r) for r in self.conn.execute(sql, (*args, limit))]

    def search(self, engine, query: str, limit: int = 200) -> list[dict]:
        """The popup's search (Engine.search: words, pinyin initials, /code) over the enabled
        replies, then disabled ones whose text or title holds the query, so they can be found and
        switched back on."""
        hits = [dict(h, enabled=1) for h in engine.search(query, limit=limit)] if engine is not None else []
        q = (query or "").strip().lstrip("/")
        if q:
            like = f"%{q}%"
            for r in self.conn.execute(
                    "SELECT id, code, intent, title, text FROM replies WHERE enabled=0 AND "
                    "(text LIKE ? OR title LIKE ? OR code LIKE ?) ORDER BY id LIMIT ?", (like, like, like, limit)):
                hits.append(dict(r, score=0.0, enabled=0))
        return hits

    # --- checks -----------------------------------------------------------------------------

    def check(self, d: ReplyDraft, exclude_id: int | None = None) -> list[Check]:
        out: list[Check] = []
        body = (d.text or "").strip()
        if not body:
            out.append(Check("empty", "话术内容不能为空", True))
        elif len(body) > MAX_TEXT:
            out.append(Check("too_long", f"话术有 {len(body)} 字，最多 {MAX_TEXT} 字", True))
        if d.intent not in self.intents():
            out.append(Check("intent", f"请选择意图（{d.intent or '未选'} 不是已知的意图）", True))
        code = normalize_code(d.code)
        if code and not CODE_RE.fullmatch(code):
            out.append(Check("code_format", f"快捷码 /{code} 只能用小写字母、数字、下划线和减号（最多 20 个）", True))
        elif code:
            row = self.conn.execute("SELECT id, title FROM replies WHERE code=? AND id IS NOT ?",
                                    (code, exclude_id)).fetchone()
            if row is not None:
                out.append(Check("code_clash", f"快捷码 /{code} 已被「{row[1]}」使用", True, row[0]))
        known = set(self.variables()) | {"顾客称呼", "店铺名", "客服名", "快递公司"}
        unknown = [v for v in templates.names(body) if v not in known]
        if unknown:
            out.append(Check("unknown_variable", "不认识的变量：" + "、".join("{" + v + "}" for v in unknown)
                             + "（可用：" + "、".join("{" + v + "}" for v in sorted(known)) + "）"))
        found = banned_in(self.conn, body)
        if found:
            out.append(Check("banned", "含违禁词：" + "、".join(
                f"“{w}”" + (f"→“{r}”" if r else "") for w, r in found)))
        if body:
            dup = self.near_duplicate(body, exclude_id)
            if dup is not None:
                rid, title, score = dup
                same = "完全相同" if score >= 100 else f"几乎相同（相似度 {score:.0f}%）"
                out.append(Check("near_duplicate", f"和「{title}」{same}", False, rid))
        return out

    def near_duplicate(self, body: str, exclude_id: int | None = None) -> tuple[int, str, float] | None:
        norm = text.normalize(body)
        rows = [(r[0], r[1], text.normalize(r[2])) for r in self.conn.execute(
            "SELECT id, title, text FROM replies WHERE id IS NOT ?", (exclude_id,))]
        if not rows or not norm:
            return None
        best = process.extractOne(norm, [r[2] for r in rows], scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE)
        if best is None:
            return None
        _, score, i = best
        return rows[i][0], rows[i][1], score

    # --- replies ----------------------------------------------------------------------------

    def add_reply(self, d: ReplyDraft) -> int:
        self._refuse(d)
        with self.conn:
            rid = self._insert_reply(d)
        self.undo_stack.append(Change(f"新增「{self.reply(rid)['title']}」", "replies", rid, None))
        return rid

    def update_reply(self, rid: int, d: ReplyDraft) -> None:
        self._refuse(d, rid)
        before = self._snapshot_reply(rid)
        with self.conn:
            self._mark_owned(before)
            self._delete_reply_rows(rid)
            self._insert_reply(d, rid=rid)
        self.undo_stack.append(before)
        before.label = f"修改「{before.before['title']}」"

    def set_enabled(self, rid: int, on: bool) -> None:
        before = self._snapshot_reply(rid)
        with self.conn:
            self._mark_owned(before)
            self.conn.execute("UPDATE replies SET enabled=?, source='user' WHERE id=?", (int(on), rid))
        before.label = f"{'启用' if on else '停用'}「{before.before['title']}」"
        self.undo_stack.append(before)

    def delete_reply(self, rid: int) -> None:
        before = self._snapshot_reply(rid)
        with self.conn:
            if before.before["source"] == "default":
                self._set_override(before.override_key, "deleted")
            self._delete_reply_rows(rid)
        before.label = f"删除「{before.before['title']}」"
        self.undo_stack.append(before)

    def _refuse(self, d: ReplyDraft, rid: int | None = None) -> None:
        blocking = [c.message for c in self.check(d, rid) if c.blocking]
        if blocking:
            raise ValueError("；".join(blocking))

    def _snapshot_reply(self, rid: int) -> Change:
        row = self.conn.execute("SELECT * FROM replies WHERE id=?", (rid,)).fetchone()
        if row is None:
            raise ValueError(f"找不到话术 {rid}（可能已被删除）")
        row = dict(row)
        trig = [dict(r) for r in self.conn.execute("SELECT * FROM triggers WHERE reply_id=? ORDER BY id", (rid,))]
        key = kb.reply_origin_key(row["code"], row["intent"], row["text"]) if row["source"] == "default" else None
        c = self.conn
        index = {
            "reply_fts": (lambda r: tuple(r) if r else None)(
                c.execute("SELECT trig, body, code FROM reply_fts WHERE rowid=?", (rid,)).fetchone()),
            "search_fts": (lambda r: r[0] if r else None)(
                c.execute("SELECT keys FROM search_fts WHERE rowid=?", (rid,)).fetchone()),
            "trigger_fts": [tuple(r) for t in trig for r in c.execute(
                "SELECT rowid, tok FROM trigger_fts WHERE rowid=?", (t["id"],))],
        }
        return Change("", "replies", rid, row, trig, key, self._override(key), index=index)

    def _mark_owned(self, change: Change) -> None:
        if change.override_key:
            self._set_override(change.override_key, "replaced")

    def _override(self, key: str | None) -> dict | None:
        if not key:
            return None
        row = self.conn.execute("SELECT * FROM kb_overrides WHERE key=?", (key,)).fetchone()
        return dict(row) if row else None

    def _set_override(self, key: str | None, action: str) -> None:
        if key:
            self.conn.execute("INSERT OR REPLACE INTO kb_overrides (key, action, ts) VALUES (?,?,?)",
                              (key, action, time.time()))

    def _insert_reply(self, d: ReplyDraft, rid: int | None = None) -> int:
        body = d.text.strip()
        intent_stage = self.conn.execute("SELECT stage FROM intents WHERE id=?", (d.intent,)).fetchone()[0]
        title = (d.title or "").strip()[:40] or _default_title(body)
        code = normalize_code(d.code) or None
        tags = [t for t in dict.fromkeys(str(t).strip() for t in d.tags) if t]
        phrases = [t for t in dict.fromkeys(str(t).strip() for t in d.triggers) if t]
        cur = self.conn.execute(
            "INSERT INTO replies (id, code, intent, stage, title, text, tags, source, enabled, title_py) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (rid, code, d.intent, d.stage or intent_stage or "any", title, body,
             json.dumps(tags, ensure_ascii=False), "user", int(d.enabled), " ".join(text.title_pinyin(title))))
        rid = cur.lastrowid
        for phrase in phrases:
            tcur = self.conn.execute("INSERT INTO triggers (intent, reply_id, text, kind, source) VALUES (?,?,?,?,?)",
                                     (d.intent, rid, phrase, "trigger", "user"))
            self.conn.execute("INSERT INTO trigger_fts (rowid, tok) VALUES (?,?)",
                              (tcur.lastrowid, text.index_tokens(phrase)))
        kb.index_replies(self.conn, [(rid, *kb.reply_index_row(title, body, phrases, code or ""))])
        return rid

    def _delete_reply_rows(self, rid: int) -> None:
        for (tid,) in self.conn.execute("SELECT id FROM triggers WHERE reply_id=?", (rid,)).fetchall():
            self.conn.execute("DELETE FROM trigger_fts WHERE rowid=?", (tid,))
        self.conn.execute("DELETE FROM triggers WHERE reply_id=?", (rid,))
        self.conn.execute("DELETE FROM reply_fts WHERE rowid=?", (rid,))
        self.conn.execute("DELETE FROM search_fts WHERE rowid=?", (rid,))
        self.conn.execute("DELETE FROM replies WHERE id=?", (rid,))

    def _restore_reply(self, ch: Change) -> None:
        rid = ch.key
        if self.conn.execute("SELECT 1 FROM replies WHERE id=?", (rid,)).fetchone():
            self._delete_reply_rows(rid)
        if ch.before is None:
            return
        row = ch.before
        cols = list(row)
        self.conn.execute(f"INSERT INTO replies ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                          [row[c] for c in cols])
        for t in ch.triggers:
            tc = list(t)
            self.conn.execute(f"INSERT INTO triggers ({', '.join(tc)}) VALUES ({', '.join('?' * len(tc))})",
                              [t[c] for c in tc])
        for (tid, tok) in ch.index["trigger_fts"]:
            self.conn.execute("INSERT INTO trigger_fts (rowid, tok) VALUES (?,?)", (tid, tok))
        if ch.index["reply_fts"] is not None:  # the index rows exactly as they were
            self.conn.execute("INSERT INTO reply_fts (rowid, trig, body, code) VALUES (?,?,?,?)",
                              (rid, *ch.index["reply_fts"]))
        if ch.index["search_fts"] is not None:
            self.conn.execute("INSERT INTO search_fts (rowid, keys) VALUES (?,?)", (rid, ch.index["search_fts"]))

    # --- products and cross-sell rules --------------------------------------------------------

    def products(self) -> list[dict]:
        out = []
        for r in self.conn.execute("SELECT * FROM products ORDER BY category, sku"):
            d = dict(r)
            d["tags"], d["keywords"] = json.loads(d["tags"]), json.loads(d["keywords"])
            out.append(d)
        return out

    def rules(self) -> list[dict]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM cross_sell ORDER BY id")]

    def save_product(self, p: dict, old_sku: str | None = None) -> str:
        """Add (old_sku None) or edit a product. Fields: sku, name, category, price, tags, keywords, descr."""
        sku = str(p.get("sku") or "").strip()
        name = str(p.get("name") or "").strip()
        if not sku or not name or not str(p.get("category") or "").strip():
            raise ValueError("商品编码、名称和类目都要填写")
        price = p.get("price")
        if price not in (None, ""):
            try:
                price = float(price)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"价格“{price}”不是数字") from exc
        else:
            price = None
        clash = self.conn.execute("SELECT name FROM products WHERE sku=?", (sku,)).fetchone()
        if clash is not None and sku != old_sku:
            raise ValueError(f"商品编码 {sku} 已被「{clash[0]}」使用")
        change = self._snapshot("products", "sku", old_sku) if old_sku else Change("", "products", sku, None)
        change.after_key = sku
        with self.conn:
            if old_sku:
                if change.before["source"] == "default":
                    self._set_override(kb.product_origin_key(old_sku), "replaced")
                self.conn.execute("DELETE FROM products WHERE sku=?", (old_sku,))
                if old_sku != sku:  # the rules follow the renamed product
                    self.conn.execute("UPDATE cross_sell SET recommend=? WHERE recommend=?", (sku, old_sku))
                    self.conn.execute("UPDATE cross_sell SET when_product=? WHERE when_product=?", (sku, old_sku))
            self.conn.execute(
                "INSERT INTO products (sku, name, category, price, tags, keywords, descr, source) VALUES (?,?,?,?,?,?,?,?)",
                (sku, name, str(p["category"]).strip(), price, _json_list(p.get("tags")), _json_list(p.get("keywords")),
                 (str(p.get("descr") or "").strip() or None), "user"))
        change.label = f"{'修改' if old_sku else '新增'}商品「{name}」"
        change.override_key = kb.product_origin_key(old_sku) if change.before and change.before["source"] == "default" else None
        if old_sku and old_sku != sku:
            change.triggers = [{"renamed_from": old_sku}]
        self.undo_stack.append(change)
        return sku

    def delete_product(self, sku: str) -> None:
        used = self.conn.execute("SELECT count(*) FROM cross_sell WHERE recommend=? OR when_product=?",
                                 (sku, sku)).fetchone()[0]
        if used:
            raise ValueError(f"还有 {used} 条搭配规则用到这个商品，请先删除或修改那些规则")
        change = self._snapshot("products", "sku", sku)
        with self.conn:
            if change.before["source"] == "default":
                change.override_key = kb.product_origin_key(sku)
                change.override_before = self._override(change.override_key)
                self._set_override(change.override_key, "deleted")
            self.conn.execute("DELETE FROM products WHERE sku=?", (sku,))
        change.label = f"删除商品「{change.before['name']}」"
        self.undo_stack.append(change)

    def save_rule(self, r: dict, rule_id: int | None = None) -> int:
        """Add or edit a cross-sell rule: when_product or when_category, customer, recommend, reason."""
        when_product = str(r.get("when_product") or "").strip() or None
        when_category = str(r.get("when_category") or "").strip() or None
        recommend = str(r.get("recommend") or "").strip()
        reason = str(r.get("reason") or "").strip()
        if not (when_product or when_category):
            raise ValueError("请填写“买了哪个商品”或“哪个类目”")
        if not self.conn.execute("SELECT 1 FROM products WHERE sku=?", (recommend,)).fetchone():
            raise ValueError(f"推荐的商品编码 {recommend or '（空）'} 不在商品列表里")
        if when_product and not self.conn.execute("SELECT 1 FROM products WHERE sku=?", (when_product,)).fetchone():
            raise ValueError(f"商品编码 {when_product} 不在商品列表里")
        if not reason:
            raise ValueError("请写推荐理由（客服看到的那句话）")
        customer = str(r.get("customer") or "any").strip() or "any"
        change = self._snapshot("cross_sell", "id", rule_id) if rule_id else Change("", "cross_sell", None, None)
        with self.conn:
            if rule_id and change.before["source"] == "default":
                b = change.before
                change.override_key = kb.rule_origin_key(b["when_product"], b["when_category"], b["customer"], b["recommend"])
                change.override_before = self._override(change.override_key)
                self._set_override(change.override_key, "replaced")
            if rule_id:
                self.conn.execute("DELETE FROM cross_sell WHERE id=?", (rule_id,))
            cur = self.conn.execute(
                "INSERT INTO cross_sell (id, when_product, when_category, customer, recommend, reason, source) "
                "VALUES (?,?,?,?,?,?,'user')", (rule_id, when_product, when_category, customer, recommend, reason))
        change.key = cur.lastrowid
        change.label = f"{'修改' if rule_id else '新增'}搭配规则"
        self.undo_stack.append(change)
        return cur.lastrowid

    def delete_rule(self, rule_id: int) -> None:
        change = self._snapshot("cross_sell", "id", rule_id)
        b = change.before
        with self.conn:
            if b["source"] == "default":
                change.override_key = kb.rule_origin_key(b["when_product"], b["when_category"], b["customer"], b["recommend"])
                change.override_before = self._override(change.override_key)
                self._set_override(change.override_key, "deleted")
            self.conn.execute("DELETE FROM cross_sell WHERE id=?", (rule_id,))
        change.label = "删除搭配规则"
        self.undo_stack.append(change)

    def _snapshot(self, table: str, pk: str, key) -> Change:
        row = self.conn.execute(f"SELECT * FROM {table} WHERE {pk}=?", (key,)).fetchone()
        if row is None:
            raise ValueError("找不到这一条（可能已被删除）")
        return Change("", table, key, dict(row))

    # --- undo -------------------------------------------------------------------------------

    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    def undo_label(self) -> str:
        return self.undo_stack[-1].label if self.undo_stack else ""

    def undo(self) -> str:
        """Take the last change back; returns what was undone (for the window's message)."""
        if not self.undo_stack:
            raise ValueError("没有可以撤销的修改")
        ch = self.undo_stack.pop()
        with self.conn:
            if ch.table == "replies":
                self._restore_reply(ch)
            else:
                pk = "sku" if ch.table == "products" else "id"
                current = ch.after_key if ch.after_key is not None else ch.key
                self.conn.execute(f"DELETE FROM {ch.table} WHERE {pk}=?", (current,))
                if ch.before is not None and current != ch.key:
                    self.conn.execute(f"DELETE FROM {ch.table} WHERE {pk}=?", (ch.key,))
                if ch.table == "products" and ch.triggers and ch.before is not None:  # a rename: rules back
                    old = ch.triggers[0]["renamed_from"]
                    self.conn.execute("UPDATE cross_sell SET recommend=? WHERE recommend=?", (old, current))
                    self.conn.execute("UPDATE cross_sell SET when_product=? WHERE when_product=?", (old, current))
                if ch.before is not None:
                    cols = list(ch.before)
                    self.conn.execute(f"INSERT INTO {ch.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                      [ch.before[c] for c in cols])
            if ch.override_key:
                self.conn.execute("DELETE FROM kb_overrides WHERE key=?", (ch.override_key,))
                if ch.override_before:
                    o = ch.override_before
                    self.conn.execute("INSERT INTO kb_overrides (key, action, ts) VALUES (?,?,?)",
                                      (o["key"], o["action"], o["ts"]))
        return ch.label


# --- helpers shared with lint and export --------------------------------------------------------

def normalize_code(code: str | None) -> str:
    return str(code or "").strip().lstrip("/").lower()


def _json_list(v) -> str:
    if isinstance(v, str):
        v = [x for x in re.split(r"[,，、|｜;；\s]+", v) if x]
    return json.dumps([str(x) for x in (v or [])], ensure_ascii=False)


def _default_title(body: str) -> str:
    from assistant.usage import default_title

    return default_title(body)


def banned_in(conn: sqlite3.Connection, body: str) -> list[tuple[str, str]]:
    low = (body or "").lower()
    return [(r[0], r[1]) for r in conn.execute("SELECT word, replacement FROM banned")
            if r[0] and r[0].lower() in low]


def split_list(value: str) -> list[str]:
    """Phrasings or tags typed into one box: one per line, or separated by | ； ;"""
    return [t.strip() for t in re.split(r"[|｜;；\n]+", value or "") if t.strip()]
