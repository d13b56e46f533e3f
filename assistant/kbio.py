"""`kefu kb export`: the knowledge base as the sheet a shop keeps its replies in (XLSX or CSV).

The reply sheet uses the importer's own column names (assistant/importer.py), so the file goes
back in unchanged: export → `kefu kb import` gives the same replies (text, title, shortcode,
intent, stage, phrasings, groups, enabled). Cells are formula-safe: in XLSX every value is stored
as text (a reply starting with = + - @ never becomes a formula, and keeps its first character);
in CSV such a cell is written with a leading apostrophe, as spreadsheet programs expect, which the
importer takes off again. XLSX files also carry the products and cross-sell rules on sheets of
their own (the importer reads the first sheet only).
"""
from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

from assistant import kb

STAGE_NAMES = {"presale": "售前", "order": "售中", "aftersale": "售后", "any": "通用"}
REPLY_HEADER = ["标题", "内容", "快捷码", "意图", "阶段", "问法", "分组", "状态", "来源"]
PRODUCT_HEADER = ["商品编码", "名称", "类目", "价格", "标签", "关键词", "描述", "来源"]
RULE_HEADER = ["买了商品", "买了类目", "顾客类型", "推荐商品", "推荐理由", "来源"]
FORMULA_START = ("=", "+", "-", "@")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
IMPORT_TAG = re.compile(r"^导入(:.*)?$")  # the tags an import adds itself (not the shop's groups)


def reply_rows(conn: sqlite3.Connection, *, only_own: bool = False) -> list[list[str]]:
    names = kb.intent_names(conn)
    trig: dict[int, list[str]] = {}
    for rid, t in conn.execute("SELECT reply_id, text FROM triggers WHERE reply_id IS NOT NULL ORDER BY id"):
        trig.setdefault(rid, []).append(t)
    sql = "SELECT id, code, intent, stage, title, text, tags, source, enabled FROM replies"
    if only_own:
        sql += " WHERE source != 'default'"
    rows = []
    for r in conn.execute(sql + " ORDER BY id"):
        groups = [t for t in json.loads(r["tags"] or "[]") if not IMPORT_TAG.match(str(t))]
        rows.append([r["title"], r["text"], r["code"] or "", names.get(r["intent"], r["intent"]),
                     STAGE_NAMES.get(r["stage"], r["stage"]), "|".join(trig.get(r["id"], [])), "，".join(groups),
                     "启用" if r["enabled"] else "停用", "默认" if r["source"] == "default" else "本店"])
    return rows


def product_rows(conn: sqlite3.Connection) -> list[list]:
    return [[r["sku"], r["name"], r["category"], "" if r["price"] is None else r["price"],
             "，".join(json.loads(r["tags"] or "[]")), "，".join(json.loads(r["keywords"] or "[]")), r["descr"] or "",
             "默认" if r["source"] == "default" else "本店"]
            for r in conn.execute("SELECT * FROM products ORDER BY sku")]


def rule_rows(conn: sqlite3.Connection) -> list[list]:
    return [[r["when_product"] or "", r["when_category"] or "", r["customer"], r["recommend"], r["reason"],
             "默认" if r["source"] == "default" else "本店"]
            for r in conn.execute("SELECT * FROM cross_sell ORDER BY id")]


def export(conn: sqlite3.Connection, path: Path | str, *, only_own: bool = False) -> dict:
    """Write the replies (and, to XLSX, products and rules). Returns counts."""
    path = Path(path)
    suffix = path.suffix.lower()
    replies = reply_rows(conn, only_own=only_own)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        sheets = [("话术", REPLY_HEADER, replies)]
        if not only_own:
            sheets += [("商品", PRODUCT_HEADER, product_rows(conn)), ("搭配推荐", RULE_HEADER, rule_rows(conn))]
        _write_xlsx(path, sheets)
    elif suffix == ".csv":
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
            w = csv.writer(fh)
            w.writerow(REPLY_HEADER)
            w.writerows([[csv_safe(v) for v in row] for row in replies])
        tmp.replace(path)
    else:
        raise ValueError(f"导出文件要以 .xlsx 或 .csv 结尾：{path.name}")
    return {"file": str(path), "replies": len(replies)}


def csv_safe(v):
    """A cell a spreadsheet would read as a formula gets a leading apostrophe (OWASP CSV injection)."""
    s = "" if v is None else str(v)
    return "'" + s if s.startswith(FORMULA_START) else s


def _write_xlsx(path: Path, sheets) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from assistant.usage.export import _display_width

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_ILLEGAL_XLSX.sub(" ", v) if isinstance(v, str) else v for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
                    if cell.value.startswith(FORMULA_START):
                        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        for col in ws.columns:
            width = max((_display_width(c.value) for c in col), default=8)
            ws.column_dimensions[col[0].column_letter].width = min(max(8, width + 2), 60)
            if header[col[0].column - 1] in ("内容", "推荐理由", "描述"):
                for c in col[1:]:
                    c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
