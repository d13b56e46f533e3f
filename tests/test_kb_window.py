"""The 话术库 window driven like the owner would: add, edit, undo, delete, search, try a message,
products and rules; every change reaches the sidebar's engine (real Qt offscreen, real SQLite)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from ui.kb_window import KBWindow


@pytest.fixture
def win(qtbot, db_file):
    w = KBWindow(db_file, profile={"shop_name": "小王家居"})
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close_db()


def _fill(w, text, title="", code="", triggers="", tags="", intent="product_info"):
    w.new_reply()
    w.title_edit.setText(title)
    w.intent_box.setCurrentIndex(w.intent_box.findData(intent))
    w.code_edit.setText(code)
    w.text_edit.setPlainText(text)  # Chinese is set directly: keyClicks cannot type it (notes)
    w.triggers_edit.setPlainText(triggers)
    w.tags_edit.setText(tags)


def test_add_search_try_edit_undo_delete(qtbot, win):
    w = win
    _fill(w, "{顾客称呼}，{店铺名}的保温杯可以免费刻字，下单备注要刻的字就行～", title="刻字服务", code="kz",
          triggers="可以刻字吗\n能刻名字吗", tags="杯子，定制")
    # live preview: variables filled from the shop's settings and the variable defaults
    assert "小王家居的保温杯可以免费刻字" in w.preview.text() and "{店铺名}" not in w.preview.text()
    qtbot.keyClick(w, Qt.Key_S, Qt.ControlModifier)
    rid = w.current_id
    assert rid is not None and "已新增「刻字服务」" in w.status.text()
    assert w.editor.reply(rid)["tags"] == ["杯子", "定制"]

    # search is the popup's search: shortcode, pinyin initials and words find it
    w.search.setText("/kz")
    assert w.row_ids() == [rid]
    w.search.setText("刻字")
    assert rid in w.row_ids()

    # 试一条消息 shows what the sidebar would suggest, with the new reply in it
    w.try_edit.setText("这个保温杯能刻名字吗")
    qtbot.keyClick(w.try_edit, Qt.Key_Return)
    assert rid in [r["id"] for r in w.last_suggestions.replies]
    assert w.current_id == rid, (w.current_id, rid)
    assert any("★" in w.try_results.item(i).text() for i in range(w.try_results.count()))

    # edit, then undo puts the old text back
    w.text_edit.setPlainText("{顾客称呼}，刻字免费，最多 8 个字哦～")
    w.save_btn.click()
    assert w.editor.reply(rid)["text"] == "{顾客称呼}，刻字免费，最多 8 个字哦～"
    assert w.undo_btn.text() == "撤销：修改「刻字服务」"
    qtbot.keyClick(w, Qt.Key_Z, Qt.ControlModifier)
    assert w.editor.reply(rid)["text"].startswith("{顾客称呼}，{店铺名}的保温杯")
    assert w.text_edit.toPlainText().startswith("{顾客称呼}，{店铺名}的保温杯")

    # delete, then undo brings it back with the same id, findable again
    w.delete_btn.click()
    assert w.editor.reply(rid) is None and w.current_id is None
    w.search.setText("/kz")
    assert w.row_ids() == []
    w.undo_btn.click()
    assert w.row_ids() == [rid]


def test_clash_and_near_duplicate_are_shown_before_saving(qtbot, win):
    w = win
    w.search.setText("/dthlc")
    w.table.selectRow(0)
    existing = w.editor.reply(w.current_id)
    _fill(w, existing["text"] + "~", code="dthlc", intent=existing["intent"])
    qtbot.waitUntil(lambda: "已被" in w.checks.text(), timeout=2000)
    assert "几乎相同" in w.checks.text() and existing["title"] in w.checks.text()
    assert w.save() is None and "快捷码 /dthlc 已被" in w.status.text()  # a clash blocks, nothing saved
    w.code_edit.setText("dthlc2")
    w.text_edit.setPlainText("这是全网最低价哦 {优惠码}")
    qtbot.waitUntil(lambda: "违禁词" in w.checks.text(), timeout=2000)
    assert "{优惠码}" in w.checks.text()


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform cannot raise windows
def test_disable_hides_it_from_the_sidebar_engine_and_undo_restores(qtbot, app_ui):
    """The window's changes reach the running sidebar's engine (on its own thread)."""
    a = app_ui
    w = a.open_kb()
    qtbot.addWidget(w)
    w.search.setText("/dthlc")
    w.table.selectRow(0)
    rid = w.current_id
    eng = a.engine.worker.engine
    assert [h["id"] for h in eng.search("/dthlc")] == [rid]
    with qtbot.waitSignal(w.changed):
        w.toggle_btn.click()
    qtbot.waitUntil(lambda: eng.search("/dthlc") == [], timeout=3000)
    assert "（停用）" in w.table.item(0, 0).text()
    w.undo()
    qtbot.waitUntil(lambda: [h["id"] for h in eng.search("/dthlc")] == [rid], timeout=3000)
    a.tray.kb_action.trigger()  # the tray entry opens the same window
    assert a.kb_window is w and w.isVisible()


def test_products_and_rules_tabs(qtbot, win):
    w = win
    w.tabs.setCurrentIndex(1)
    w.new_product()
    for k, v in {"sku": "MY-1", "name": "店长推荐杯垫", "category": "家居", "price": "9.9", "keywords": "杯垫，垫子"}.items():
        w.p_fields[k].setText(v)
    qtbot.keyClick(w, Qt.Key_S, Qt.ControlModifier)
    assert "已保存商品「店长推荐杯垫」" in w.status.text()
    assert "MY-1" in [w.ptable.item(i, 0).text() for i in range(w.ptable.rowCount())]
    w.tabs.setCurrentIndex(2)
    w.new_rule()
    w.r_fields["when_category"].setText("家居")
    w.r_fields["recommend"].setText("NOPE")
    w.r_fields["reason"].setText("配杯子用")
    assert w.save() is None and "不在商品列表里" in w.status.text()
    w.r_fields["recommend"].setText("MY-1")
    rid = w.save()
    assert rid is not None and any(r["id"] == rid for r in w.engine.cross_rules)
    w.undo()
    w.undo()
    assert "MY-1" not in w.engine.products and not any(r["id"] == rid for r in w.engine.cross_rules)


def test_export_lint_backup_buttons(qtbot, win, tmp_path, kefu_home):
    w = win
    out = w.export(str(tmp_path / "话术库.csv"))
    assert out.exists() and "已导出" in w.status.text()
    assert w.run_lint() == [] and "没有发现问题" in w.status.text()
    dest = w.backup()
    assert dest.exists() and dest.parent == kefu_home / "backups"
    assert w.restore_btn.isEnabled()


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform cannot raise windows
def test_restore_from_the_window_puts_the_chosen_backup_back(qtbot, app_ui):
    """话术库 → 恢复…: the list shows the backups; the chosen one replaces the live database (the
    sidebar's engine reopens on it) and the current one is kept as a backup first."""
    a = app_ui
    w = a.open_kb()
    qtbot.addWidget(w)
    before = w.backup()
    _fill(w, "{顾客称呼}，这条是备份之后才加的。", title="备份后新增", code="zzbf", triggers="备份之后加的话术")
    assert w.save() is not None, w.status.text()
    eng = a.engine.worker.engine
    qtbot.waitUntil(lambda: [h["code"] for h in eng.search("/zzbf")] == ["zzbf"], timeout=3000)

    d = w.choose_backup()
    lst = w._backup_list
    row = next(i for i in range(lst.count()) if lst.item(i).data(Qt.UserRole) == str(before))
    assert "自建话术" in lst.item(row).text()
    lst.setCurrentRow(row)
    d.accept()
    assert a.kb_window is None and w.isHidden()
    # what the GUI thread shows (the worker's signal is cross-thread): the toast names the backup
    qtbot.waitUntil(lambda: before.name in a.window.toast.text(), timeout=20000)
    qtbot.waitUntil(lambda: a.engine.worker.engine is not None
                    and a.engine.worker.engine.search("/zzbf") == [], timeout=10000)
    kept = [p.name for p in before.parent.glob("*before-restore*")]
    assert kept, "the database as it was before the restore is kept as a backup"
    w2 = a.open_kb()  # opens anew on the restored database
    qtbot.addWidget(w2)
    w2.search.setText("/zzbf")
    assert w2.row_ids() == []
