"""Importing a shop's own reply sheet (CSV in GBK or UTF-8, XLSX) into the real knowledge base:
found by suggest and search afterwards, bad rows reported by row number, unusable files refused
with a reason, nothing written on a dry run, and every import undoable."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from assistant import importer
from assistant.db import connect
from assistant.engine import Conversation, Engine

ROOT = Path(__file__).resolve().parent.parent

QIANNIU = [["分组", "快捷编码", "内容"],
           ["售后", "tkdz", "亲，退款审核通过后，原路退回一般1到3个工作日到账，花呗退回花呗额度"],
           ["物流", "sfbj", "亲，默认发中通，需要顺丰的话补5元运费差价就可以"],
           ["售后", "bad code!", "亲，收到有问题先别着急，拍张照片发我，马上给您处理"],
           ["", "", ""],
           ["售前", "", ""],
           ["售后", "tkdz", "亲，退款审核通过后，原路退回一般1到3个工作日到账，花呗退回花呗额度"]]


def write_csv(path, rows, encoding):
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def count_user(db_file):
    conn = connect(db_file)
    try:
        return conn.execute("SELECT count(*) FROM replies WHERE source='user'").fetchone()[0]
    finally:
        conn.close()


def test_a_gbk_csv_from_excel_is_imported_and_found(engine, db_file, tmp_path):
    path = write_csv(tmp_path / "快捷短语.csv", QIANNIU, "gb18030")
    rep = importer.import_file(engine.conn, path, analyzer=engine.analyzer, db_file=db_file)
    assert len(rep.ids) == 3 and rep.duplicates == 1
    assert any(p.startswith("第 4 行") and "快捷码" in p for p in rep.problems)
    assert any(p.startswith("第 6 行") and "没有话术内容" in p for p in rep.problems)
    assert rep.backup and Path(rep.backup).exists()
    engine.reload()
    hit = engine.search("/tkdz")
    assert hit and hit[0]["text"].startswith("亲，退款审核通过后")
    s = engine.suggest(Conversation.of("要顺丰的话加多少钱"))
    assert any("顺丰" in r["text"] and "补5元" in r["text"] for r in s.replies)
    tags = json.loads(engine.conn.execute("SELECT tags FROM replies WHERE id=?", (rep.ids[0],)).fetchone()[0])
    assert "导入" in tags and "售后" in tags


def test_an_xlsx_with_intents_phrasings_and_titles(engine, db_file, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["标题", "问法", "话术", "意图"])
    ws.append(["刻字服务", "可以刻字吗|能刻名字吗", "亲，杯身可以免费刻字，最多8个字，下单时备注想刻的内容就行", "礼品包装"])
    ws.append(["线下门店", "有实体店吗；线下能买吗", "亲，我们目前只有线上店，没有线下门店哦", "乱写的意图"])
    wb.save(tmp_path / "话术.xlsx")
    rep = importer.import_file(engine.conn, tmp_path / "话术.xlsx", analyzer=engine.analyzer, db_file=db_file)
    by_title = {r.title: r for r in rep.rows}
    assert by_title["刻字服务"].intent == "gift" and not by_title["刻字服务"].guessed  # 礼品包装 → 送礼/包装
    assert by_title["线下门店"].guessed and any("乱写的意图" in p for p in rep.problems)
    engine.reload()
    s = engine.suggest(Conversation.of("能刻字吗"))
    assert s.replies[0]["title"] == "刻字服务"
    assert engine.search("kzfw")[0]["title"] == "刻字服务"  # pinyin initials of the title


def test_intents_chosen_in_the_preview_win_over_the_guess(engine, db_file, tmp_path):
    path = write_csv(tmp_path / "a.csv", QIANNIU, "utf-8")
    rep = importer.import_file(engine.conn, path, analyzer=engine.analyzer,
                               intents={2: "refund", 3: "no_such_intent"})
    by_line = {r.line: r for r in rep.rows}
    assert by_line[2].intent == "refund" and not by_line[2].guessed
    assert by_line[3].guessed  # an unknown id is ignored: the guess stays
    rid = rep.ids[0]
    assert engine.conn.execute("SELECT intent FROM replies WHERE id=?", (rid,)).fetchone()[0] == "refund"


def test_dry_run_writes_nothing_and_undo_removes_the_batch(engine, db_file, tmp_path):
    path = write_csv(tmp_path / "a.csv", QIANNIU, "utf-8-sig")
    before = count_user(db_file)
    rep = importer.import_file(engine.conn, path, analyzer=engine.analyzer, dry_run=True)
    assert len(rep.rows) == 3 and not rep.ids and count_user(db_file) == before
    rep = importer.import_file(engine.conn, path, analyzer=engine.analyzer)
    assert count_user(db_file) == before + 3
    assert importer.batches(engine.conn)[0] == {"batch": rep.batch, "file": "a.csv", "count": 3}
    batch, n = importer.undo(engine.conn)
    assert (batch, n) == (rep.batch, 3) and count_user(db_file) == before
    engine.reload()
    assert engine.search("/tkdz") == []
    assert engine.conn.execute("SELECT count(*) FROM search_fts WHERE rowid IN (%s)" %
                               ",".join(map(str, rep.ids))).fetchone()[0] == 0
    with pytest.raises(importer.ImportFileError, match="没有可以撤销"):
        importer.undo(engine.conn)


@pytest.mark.parametrize("name, content, message", [
    ("x.csv", b"\x00\x01\x02garbage" * 100, "二进制"),
    ("x.csv", "a,b\n1,2\n".encode(), "找不到话术内容"),
    ("x.csv", "内容\n\n\n".encode(), "没有可导入"),
    ("x.xlsx", b"PK\x03\x04 not a workbook", "无法读取 Excel"),
    ("x.xls", b"\xd0\xcf\x11\xe0", "另存为 .xlsx"),
    ("x.pdf", b"%PDF-1.4", "不支持的文件类型"),
])
def test_unusable_files_are_refused_with_a_reason_and_nothing_written(engine, db_file, tmp_path, name, content,
                                                                      message):
    path = tmp_path / name
    path.write_bytes(content)
    before = count_user(db_file)
    with pytest.raises(importer.ImportFileError, match=message):
        importer.import_file(engine.conn, path, analyzer=engine.analyzer, db_file=db_file)
    assert count_user(db_file) == before


def test_cli_import_preview_import_and_undo(db_file, kefu_home, tmp_path):
    path = write_csv(tmp_path / "短语.csv", QIANNIU, "gb18030")
    env = dict(os.environ, KEFU_HOME=str(kefu_home))

    def kefu(*args):
        return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    r = kefu("kb", "import", str(path), "--dry-run")
    assert r.returncode == 0 and "可以导入 3 条" in r.stdout and "预览" in r.stdout and "第 2 行" in r.stdout
    r = kefu("kb", "import", str(path), "--json")
    d = json.loads(r.stdout)
    assert d["imported"] == 3 and d["duplicates"] == 1 and d["batch"]
    assert Engine(db_file).search("/sfbj")[0]["text"].startswith("亲，默认发中通")
    r = kefu("kb", "undo-import")
    assert r.returncode == 0 and "删除了 3 条" in r.stdout
    r = kefu("kb", "import", str(tmp_path / "没有这个文件.xlsx"))
    assert r.returncode == 2 and "找不到文件" in r.stderr


def test_row_numbers_are_the_ones_excel_shows_even_below_empty_rows():
    rows, problems = importer.parse([[], ["", ""], ["内容", "快捷码"], ["亲，在的", "ok"], ["", "x"]])
    assert rows[0].line == 4 and problems == ["第 5 行：没有话术内容，已跳过"]


def test_a_reply_without_title_is_named_by_its_first_words():
    from assistant.usage import default_title

    assert default_title("亲，这款是定制款，下单后3天内发货哦") == "这款是定制款"
    assert default_title("{顾客称呼}，默认发中通，需要顺丰的话补5元") == "默认发中通"
    assert default_title("亲亲~收到有问题先别着急") == "收到有问题先别着急"
    assert default_title("亲") == "亲"
