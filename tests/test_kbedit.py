"""Managing the knowledge base (assistant/kbedit.py): every change shows in the engine at once,
every change can be undone to exactly what was there, and what the shop changed survives a
rebuild of a new default knowledge version."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
import yaml

from assistant import kb
from assistant.db import connect
from assistant.kbedit import KBEditor, ReplyDraft


def _dump(conn: sqlite3.Connection) -> dict:
    """Everything a change could touch, in a comparable form."""
    out = {}
    for table, order in (("replies", "id"), ("triggers", "id"), ("products", "sku"), ("cross_sell", "id"),
                         ("kb_overrides", "key")):
        out[table] = [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]
    for table, cols in (("reply_fts", "trig, body, code"), ("search_fts", "keys"), ("trigger_fts", "tok")):
        out[table] = [tuple(r) for r in conn.execute(f"SELECT rowid, {cols} FROM {table} ORDER BY rowid")]
    return out


@pytest.fixture
def ed(engine):
    return KBEditor(engine.conn)


def test_added_reply_is_suggested_searchable_and_undo_removes_it(engine, ed):
    before = _dump(engine.conn)
    rid = ed.add_reply(ReplyDraft(text="亲，本店的保温杯支持刻字，刻字免费哦~", intent="product_info",
                                  title="刻字服务", code="kz", triggers=["可以刻字吗", "能刻名字吗"], tags=["杯子"]))
    engine.reload()
    assert [h["id"] for h in engine.search("/kz")] == [rid]
    assert rid in [h["id"] for h in engine.search("刻字")]
    assert rid in [r["id"] for r in engine.suggest("保温杯可以刻字吗").replies]
    assert ed.undo_label() == "新增「刻字服务」"
    ed.undo()
    engine.reload()
    assert engine.search("/kz") == []
    assert _dump(engine.conn) == before


def test_edit_disable_delete_of_a_default_reply_each_undo_exactly(engine, ed):
    rid = engine.search("/dthlc")[0]["id"]
    original = ed.reply(rid)
    before = _dump(engine.conn)
    d = ReplyDraft(text=original["text"] + "（本店改过）", intent=original["intent"], title="改过的",
                   code=original["code"], triggers=original["triggers"] + ["新问法"], tags=["售后"])
    ed.update_reply(rid, d)
    assert ed.reply(rid)["text"].endswith("（本店改过）") and ed.reply(rid)["source"] == "user"
    ed.set_enabled(rid, False)
    engine.reload()
    assert rid not in [h["id"] for h in engine.search("/" + original["code"])]
    ed.delete_reply(rid)
    assert ed.reply(rid) is None
    assert [ed.undo_stack[i].label.split("「")[0] for i in range(3)] == ["修改", "停用", "删除"]
    ed.undo()
    ed.undo()
    ed.undo()
    assert _dump(engine.conn) == before
    engine.reload()
    assert rid in [h["id"] for h in engine.search("/" + original["code"])]


def test_checks_warn_of_clash_near_duplicate_unknown_variable_and_banned_words(engine, ed):
    some = engine.conn.execute("SELECT id, code, title, text, intent FROM replies LIMIT 1").fetchone()
    checks = {c.kind: c for c in ed.check(ReplyDraft(
        text=some["text"] + "。", intent=some["intent"], code=some["code"]))}
    assert checks["code_clash"].blocking and some["title"] in checks["code_clash"].message
    assert checks["near_duplicate"].other_id == some["id"] and not checks["near_duplicate"].blocking
    checks = {c.kind: c for c in ed.check(ReplyDraft(text="{亲爱的}这是全网最好的，加微信", intent="other"))}
    assert "{亲爱的}" in checks["unknown_variable"].message
    assert "全网最" in checks["banned"].message or "微信" in checks["banned"].message
    assert not any(c.blocking for c in checks.values())
    # its own shortcode is not a clash when the reply itself is edited
    assert not [c for c in ed.check(ReplyDraft(text="新的话术内容，完全不同", intent=some["intent"], code=some["code"]),
                                    exclude_id=some["id"]) if c.kind == "code_clash"]
    with pytest.raises(ValueError, match="快捷码"):
        ed.add_reply(ReplyDraft(text="新的话术", intent="other", code=some["code"]))
    with pytest.raises(ValueError, match="不能为空"):
        ed.add_reply(ReplyDraft(text="  ", intent="other"))


def test_products_and_rules_edit_and_undo(engine, ed):
    before = _dump(engine.conn)
    p = ed.products()[0]
    ed.save_product({"sku": "MY-1", "name": "店长推荐杯垫", "category": p["category"], "price": "9.9",
                     "keywords": "杯垫，垫子", "tags": ""})
    rid = ed.save_rule({"when_product": p["sku"], "customer": "any", "recommend": "MY-1", "reason": "配杯子用，防烫"})
    engine.reload()
    assert engine.products["MY-1"]["keywords"] == ["杯垫", "垫子"] and engine.products["MY-1"]["price"] == 9.9
    assert [r["reason"] for r in engine.cross_rules if r["id"] == rid] == ["配杯子用，防烫"]
    assert "店长推荐杯垫" in [p["name"] for p in engine.find_products("这个杯垫多少钱")]
    with pytest.raises(ValueError, match="搭配规则"):
        ed.delete_product("MY-1")
    ed.save_product(dict(p, name=p["name"] + "（新款）"), old_sku=p["sku"])
    ed.delete_rule(ed.rules()[0]["id"])
    for _ in range(4):
        ed.undo()
    assert _dump(engine.conn) == before


def test_the_shops_changes_survive_a_rebuild_of_a_new_default_version(tmp_path, db_file):
    # a new default version: the same knowledge with one more reply
    src = kb.paths.kb_resources_dir()
    newkb = tmp_path / "kb"
    shutil.copytree(src, newkb)
    extra = newkb / "replies" / "zz_new.yaml"
    extra.write_text(yaml.safe_dump({"intent": "other", "replies": [{"text": "新版本的默认话术", "code": "xbb"}]},
                                    allow_unicode=True), encoding="utf-8")
    conn = connect(db_file)
    ed = KBEditor(conn)
    own = ed.add_reply(ReplyDraft(text="店主自己写的话术", intent="other", code="own1", triggers=["店主问法"]))
    edited, disabled, deleted = [r["id"] for r in ed.replies()[:3]]
    e = ed.reply(edited)
    ed.update_reply(edited, ReplyDraft(text="店主改写：" + e["text"], intent=e["intent"], code=e["code"],
                                       title=e["title"], triggers=e["triggers"]))
    dis_code = ed.reply(disabled)["code"]
    ed.set_enabled(disabled, False)
    del_code = ed.reply(deleted)["code"]
    ed.delete_reply(deleted)
    ed.save_product({"sku": "MY-1", "name": "店长推荐杯垫", "category": "家居"})
    conn.close()

    kb.build(db_file, newkb)
    conn = connect(db_file)
    rows = {r["code"]: r for r in conn.execute("SELECT * FROM replies")}
    assert rows["own1"]["text"] == "店主自己写的话术"
    assert rows[e["code"]]["text"].startswith("店主改写：")
    assert sum(1 for r in rows.values() if r["text"] == e["text"]) == 0  # the old default did not come back
    assert rows[dis_code]["enabled"] == 0
    assert del_code not in rows
    assert rows["xbb"]["text"] == "新版本的默认话术"
    assert conn.execute("SELECT name FROM products WHERE sku='MY-1'").fetchone()[0] == "店长推荐杯垫"
    assert [r[0] for r in conn.execute("SELECT text FROM triggers WHERE reply_id=?", (rows["own1"]["id"],))] == ["店主问法"]
    conn.close()


def test_an_edited_or_disabled_reply_shows_in_suggestions_after_reload(engine, ed):
    """The engine keeps each candidate reply's row and phrasings between messages (fifty-sixth
    pass, for speed): a reload after an edit must show the new text, and a disabled reply must go."""
    message = "退货运费谁出"
    first = engine.suggest(message).replies[0]
    original = ed.reply(first["id"])
    before = _dump(engine.conn)
    ed.update_reply(first["id"], ReplyDraft(text=original["text"] + "（本店改过）", intent=original["intent"],
                                            title=original["title"], code=original["code"],
                                            triggers=original["triggers"], tags=original["tags"]))
    engine.reload()
    shown = {r["id"]: r["text"] for r in engine.suggest(message).replies}
    assert shown[first["id"]].endswith("（本店改过）")
    ed.set_enabled(first["id"], False)
    engine.reload()
    assert first["id"] not in [r["id"] for r in engine.suggest(message).replies]
    ed.undo()
    ed.undo()
    engine.reload()
    assert _dump(engine.conn) == before
    assert engine.suggest(message).replies[0]["text"] == first["text"]
