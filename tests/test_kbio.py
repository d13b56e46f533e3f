"""`kefu kb export` → `kefu kb import` gives the same replies (XLSX and CSV, the whole default
knowledge base); cells are formula-safe; `kefu kb lint` finds nothing in the default knowledge
and finds each kind of problem when there is one; `kefu doctor` describes the set-up."""
from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook

from assistant import cli, importer, kbio, lint
from assistant.db import connect
from assistant.engine import Engine
from assistant.kbedit import KBEditor, ReplyDraft

RISKY = ["=HYPERLINK(\"http://x\",\"点我\")", "-_- 亲别生气，马上给您处理", "@所有人 今晚八点上新", "+1 这个问题我们记下了"]


def _replies(conn) -> list[tuple]:
    trig = {}
    for rid, t in conn.execute("SELECT reply_id, text FROM triggers WHERE reply_id IS NOT NULL ORDER BY id"):
        trig.setdefault(rid, []).append(t)
    out = []
    for r in conn.execute("SELECT * FROM replies"):
        groups = tuple(t for t in json.loads(r["tags"]) if not kbio.IMPORT_TAG.match(t))
        out.append((r["text"], r["title"], r["code"], r["intent"], r["stage"], tuple(trig.get(r["id"], [])),
                    groups, r["enabled"]))
    return sorted(out)


def _empty_library(db_file):
    """The same knowledge base with no replies at all: where the export is imported back."""
    conn = connect(db_file)
    with conn:
        for table in ("reply_fts", "search_fts"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM trigger_fts WHERE rowid IN (SELECT id FROM triggers WHERE reply_id IS NOT NULL)")
        conn.execute("DELETE FROM triggers WHERE reply_id IS NOT NULL")
        conn.execute("DELETE FROM replies")
    return conn


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_gives_the_same_replies(tmp_path, built_db, db_file, suffix):
    conn = connect(db_file)
    ed = KBEditor(conn)
    for i, body in enumerate(RISKY):  # replies a spreadsheet would take for formulas
        ed.add_reply(ReplyDraft(text=body, intent="other", code=f"risky{i}", triggers=["问法一", "问法二"],
                                tags=["分组甲", "分组乙"], enabled=i != 1))
    some = conn.execute("SELECT id FROM replies WHERE source='default' LIMIT 1").fetchone()[0]
    ed.set_enabled(some, False)  # a disabled reply comes back disabled
    expected = _replies(conn)
    assert len(expected) == conn.execute("SELECT count(*) FROM replies").fetchone()[0] >= 359 + 4
    out = tmp_path / ("话术库" + suffix)
    assert kbio.export(conn, out)["replies"] == len(expected)
    conn.close()

    target = tmp_path / "target.db"
    target.write_bytes(built_db.read_bytes())
    tconn = _empty_library(target)
    eng = Engine(conn=tconn)
    rep = importer.import_file(tconn, out, analyzer=eng.analyzer)
    assert rep.problems == [] and rep.duplicates == 0 and len(rep.ids) == len(expected)
    assert not any(r.guessed for r in rep.rows)  # every intent came back by name, none guessed
    assert _replies(tconn) == expected
    eng.reload()  # and the imported library answers like the original
    assert eng.search("/risky0")[0]["text"] == RISKY[0]
    tconn.close()


def test_cells_that_look_like_formulas_stay_text(tmp_path, db_file):
    conn = connect(db_file)
    KBEditor(conn).add_reply(ReplyDraft(text=RISKY[0], intent="other", code="risky"))
    kbio.export(conn, tmp_path / "a.xlsx")
    kbio.export(conn, tmp_path / "a.csv")
    ws = load_workbook(tmp_path / "a.xlsx").worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == RISKY[0])
    assert cell.data_type == "s" and cell.quotePrefix
    assert [wb.title for wb in load_workbook(tmp_path / "a.xlsx").worksheets] == ["话术", "商品", "搭配推荐"]
    with open(tmp_path / "a.csv", encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'" + RISKY[0] in cells and RISKY[0] not in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_lint_finds_nothing_in_the_default_knowledge(db_file, capsys):
    assert cli.main(["--db", str(db_file), "kb", "lint", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"count": 0, "by_kind": {}, "problems": []}


def test_lint_finds_each_kind_of_problem(db_file, capsys):
    conn = connect(db_file)
    ed = KBEditor(conn)
    first = conn.execute("SELECT id, text, intent FROM replies WHERE intent='invoice'").fetchall()
    other = conn.execute("SELECT text FROM replies WHERE intent='greeting' LIMIT 1").fetchone()[0]
    ed.add_reply(ReplyDraft(text="这是全网最低价，{优惠码}先到先得", intent="price_discount"))
    with conn:  # what the editor refuses, but an old import or a hand-edited file can hold
        conn.execute("INSERT INTO replies (code, intent, stage, title, text, source) VALUES "
                     "('Dup', 'other', 'any', '空的', '  ', 'user')")
        conn.execute("INSERT INTO replies (code, intent, stage, title, text, source) VALUES "
                     "('dup', 'other', 'any', '复制的', ?, 'user')", (other,))
    for r in first:
        ed.set_enabled(r["id"], False)
    conn.close()
    assert cli.main(["--db", str(db_file), "kb", "lint", "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert set(found["by_kind"]) == {"banned", "unknown_variable", "empty", "duplicate", "intent_without_reply",
                                     "code_clash"}
    assert any(p.get("intent") == "invoice" for p in found["problems"])
    assert cli.main(["--db", str(db_file), "kb", "lint"]) == 1
    assert "[违禁词]" in capsys.readouterr().out


def test_export_refuses_an_unknown_file_type(tmp_path, db_file, capsys):
    assert cli.main(["--db", str(db_file), "kb", "export", str(tmp_path / "a.doc")]) == 2
    assert ".xlsx" in capsys.readouterr().err


def test_doctor_reports_paths_database_backups_and_versions(db_file, kefu_home, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    (kefu_home / "backups").mkdir(exist_ok=True)
    (kefu_home / "backups" / "knowledge-20260101-120000-manual.db").write_bytes(db_file.read_bytes())
    code = cli.main(["--db", str(db_file), "doctor", "--json"])
    r = json.loads(capsys.readouterr().out)
    assert code == 1 and r["ok"] is False  # no display here: the sidebar could not start
    assert r["paths"]["why"] == "KEFU_HOME" and r["paths"]["data_dir"] == str(kefu_home)
    assert r["database"]["integrity"] == "ok" and r["database"]["replies"] >= 359
    assert r["database"]["schema"] == r["database"]["schema_current"] and r["database"]["size_mb"] > 0
    assert r["backups"]["count"] == 1 and r["backups"]["newest"].endswith("manual.db")
    assert r["adapters"]["name"] == "none" and r["versions"]["reader_model"].startswith("reader.npz")
    assert r["versions"]["verdict_memory"].startswith("memory.npz")
    assert any("DISPLAY" in p for p in r["problems"]) and not any("memory.npz" in p for p in r["problems"])
    cli.main(["--db", str(db_file), "doctor"])
    assert "知识库" in capsys.readouterr().out


def test_doctor_names_a_corrupt_database(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    bad = tmp_path / "knowledge.db"
    bad.write_bytes(b"this is not a database" * 100)
    assert cli.main(["--db", str(bad), "doctor", "--json", "--no-adapters"]) == 1
    r = json.loads(capsys.readouterr().out)
    assert r["database"]["ok"] is False and "kb build --force" in r["database"]["problem"]
