"""Usage events out to CSV / XLSX (``kefu usage export``, the 统计 window's export).
"""
from __future__ import annotations

import csv
import logging
import re
import sqlite3
import time
from pathlib import Path

from assistant.usage.base import COLUMNS

log = logging.getLogger(__name__)


EXPORT_HEADERS = {"ts": "时间", "kind": "事件", "reply_id": "话术ID", "reply_key": "话术键", "rank": "排名",
                  "score": "分数", "final_text": "最终文本", "intent": "意图", "platform": "平台",
                  "profile": "店铺", "conversation": "会话", "msg_id": "消息ID", "msg_hash": "消息摘要",
                  "message": "顾客消息", "latency_ms": "响应毫秒", "msg_ts": "消息时间"}


def events(conn: sqlite3.Connection, since: float | None = None) -> list[dict]:
    sql = f"SELECT id, {', '.join(COLUMNS)} FROM usage_events"
    args: tuple = ()
    if since is not None:
        sql += " WHERE ts >= ?"
        args = (since,)
    return [dict(r) for r in conn.execute(sql + " ORDER BY ts, id", args)]


def _fmt_ts(ts: float | None) -> str:
    return "" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def export_events(conn: sqlite3.Connection, path: Path | str, since: float | None = None) -> int:
    """Write the usage log to CSV (UTF-8 with BOM, opens in Excel) or XLSX, by extension."""
    path = Path(path)
    rows = events(conn, since)
    cols = ["ts", "kind", "intent", "platform", "profile", "conversation", "message", "reply_id",
            "reply_key", "rank", "score", "final_text", "latency_ms", "msg_id", "msg_hash", "msg_ts"]
    table = [[_fmt_ts(r[c]) if c in ("ts", "msg_ts") else r[c] for c in cols] for r in rows]
    header = [EXPORT_HEADERS[c] for c in cols]
    write_table(path, [("使用记录", header, table)])
    return len(rows)


def write_table(path: Path, sheets: list[tuple[str, list[str], list[list]]]) -> Path:
    """Sheets of (title, header, rows) to .xlsx (one sheet each) or .csv (titled blocks)."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        wb.remove(wb.active)
        for title, header, rows in sheets:
            ws = wb.create_sheet(title[:31])
            ws.append(header)
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in rows:
                ws.append([_xlsx_safe(v) for v in row])
            for i, col in enumerate(ws.columns, 1):
                width = max((_display_width(c.value) for c in col), default=8)
                ws.column_dimensions[col[0].column_letter].width = min(max(8, width + 2), 60)
            ws.freeze_panes = "A2"
        wb.save(path)
    elif suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            for n, (title, header, rows) in enumerate(sheets):
                if len(sheets) > 1:
                    if n:
                        w.writerow([])
                    w.writerow([f"# {title}"])
                w.writerow(header)
                w.writerows([[_csv_safe(v) for v in row] for row in rows])
    else:
        raise ValueError(f"导出文件要以 .csv 或 .xlsx 结尾：{path.name}")
    return path


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_safe(v):
    if isinstance(v, str):
        v = _ILLEGAL_XLSX.sub(" ", v)
        if v.lstrip(" ")[:1] in _FORMULA_START:  # never let a customer's message become a formula
            v = "'" + v
    return v


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _csv_safe(v):
    """A CSV cell that Excel/WPS will not run as a formula (=cmd|' /C calc'!A0): text starting
    with = + - @ (or a tab / carriage return, or their full-width forms) gets a leading '."""
    if isinstance(v, str) and v.lstrip(" ")[:1] in _FORMULA_START:
        return "'" + v
    return v


def _display_width(v) -> int:
    s = "" if v is None else str(v)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s[:80])
