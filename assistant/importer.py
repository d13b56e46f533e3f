"""Import a shop's existing reply library (快捷短语 exported from 千牛/咚咚/飞鸽, or any sheet) from
CSV or XLSX into knowledge.db as the shop's own replies.

- Columns are found by their header, in Chinese or English (内容/话术/回复 is the only one
  required; 标题, 快捷码, 分组, 意图, 问法 are optional). CSV may be UTF-8 (with or without BOM) or
  GBK/GB18030, as Excel on a Chinese Windows saves it.
- A row without an intent gets the one the engine's analysis finds for its phrasings, title and
  text (``other`` when nothing fits); the agent can see and change it later.
- Bad rows are reported with their row number and skipped; a file that cannot be read at all is
  refused with a message saying why. The import is one transaction: all good rows or none.
- The database is backed up first, and every import is a batch that ``undo`` removes again.
- Rows already in the library (same text) are not imported twice.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant import kb, text, usage

MAX_ROWS = 20_000
MAX_BODY = 2000
MAX_FILE_BYTES = 50 * 1024 * 1024

# header aliases, compared after lower-casing and removing spaces and punctuation
COLUMNS = {
    "body": ["内容", "话术", "回复", "回复内容", "话术内容", "短语", "快捷短语", "答案", "text", "reply", "content", "answer"],
    "title": ["标题", "名称", "话术标题", "title", "name"],
    "code": ["快捷码", "快捷编码", "编码", "快捷键", "code", "shortcode", "shortcut"],
    "group": ["分组", "分类", "类别", "group", "category", "tag", "tags"],
    "intent": ["意图", "场景", "intent"],
    "triggers": ["问法", "问题", "触发", "触发问法", "顾客问题", "关键词", "question", "questions", "triggers", "keywords"],
    "stage": ["阶段", "stage"],
    "status": ["状态", "启用", "status", "enabled"],
}
STAGES = {"售前": "presale", "售中": "order", "订单": "order", "售后": "aftersale", "通用": "any",
          "presale": "presale", "order": "order", "aftersale": "aftersale", "any": "any"}
DISABLED = {"停用", "禁用", "否", "0", "false", "no", "disabled", "off"}
_GROUP_SPLIT = re.compile(r"[，,、]+")
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@])")  # what a formula-safe export put before = + - @
_SPLIT = re.compile(r"[|｜;；\n]+")
_CODE_OK = re.compile(r"[a-z0-9_\-]{1,20}")


class ImportFileError(ValueError):
    """The file cannot be imported at all (message in Chinese, for the agent)."""


@dataclass
class ImportRow:
    line: int  # row number as the agent sees it in Excel (header = 1)
    body: str
    title: str = ""
    code: str = ""
    group: str = ""
    intent: str = ""
    triggers: list[str] = field(default_factory=list)
    guessed: bool = False  # the intent was found by the analysis, not given
    stage: str = ""  # empty: the intent's
    enabled: bool = True

    @property
    def groups(self) -> list[str]:
        return [g.strip()[:20] for g in _GROUP_SPLIT.split(self.group) if g.strip()]


@dataclass
class ImportReport:
    file: str
    batch: str = ""
    rows: list[ImportRow] = field(default_factory=list)  # what is (or would be) imported
    problems: list[str] = field(default_factory=list)  # "第 7 行：…" per skipped row or field
    duplicates: int = 0
    ids: list[int] = field(default_factory=list)
    backup: str | None = None
    dry_run: bool = False

    def as_dict(self) -> dict:
        by_intent: dict[str, int] = {}
        for r in self.rows:
            by_intent[r.intent] = by_intent.get(r.intent, 0) + 1
        return {"file": self.file, "batch": self.batch, "imported": len(self.ids), "rows": len(self.rows),
                "guessed_intent": sum(r.guessed for r in self.rows), "duplicates": self.duplicates,
                "by_intent": by_intent, "problems": self.problems, "backup": self.backup, "dry_run": self.dry_run}


# --- reading ----------------------------------------------------------------------------------

def _norm_header(h) -> str:
    return re.sub(r"[\s_\-:：()（）\[\]【】*]+", "", str(h or "")).lower()


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode 文本" is UTF-16 with a BOM
        return raw.decode("utf-16", errors="replace")
    if len(raw) >= 4 and raw[1:4:2] == b"\x00\x00" and raw[0:4:2] != b"\x00\x00":
        return raw.decode("utf-16-le", errors="replace")  # UTF-16 without a BOM: ASCII with NULs between
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError("文件编码无法识别：请在 Excel 里另存为“CSV UTF-8”或 .xlsx 再导入") from exc


def read_table(path: Path) -> list[list[str]]:
    """All rows of the first sheet (XLSX) or of the CSV, as text."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"找不到文件：{path}")
    if path.is_dir():
        raise ImportFileError(f"{path} 是一个文件夹：请选择一个 .xlsx 或 .csv 文件")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"文件太大（{path.stat().st_size // 1024 // 1024} MB），话术表一般不超过几 MB")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"无法读取文件 {path.name}：{exc.strerror or exc}（没有权限或正被其他程序占用）") from exc
        body = _decode(raw)
        if "\x00" in body[:4096]:
            raise ImportFileError("这不是文本格式的 CSV（像是二进制文件）：请导出为 CSV 或 .xlsx")
        dialect = _dialect(body, suffix)
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))  # a long cell is one skipped row, not a refused file
        try:
            return [[c.strip() for c in row] for row in csv.reader(io.StringIO(body), dialect)]
        except csv.Error as exc:
            raise ImportFileError(f"CSV 格式有误：{exc}") from exc
    if suffix == ".xls":
        raise ImportFileError("不支持旧版 .xls：请在 Excel 里另存为 .xlsx 或 CSV 再导入")
    raise ImportFileError(f"不支持的文件类型 {suffix or '（无扩展名）'}：请用 .xlsx 或 .csv")


def _dialect(body: str, suffix: str):
    """The delimiter whose first row has a reply column wins (the sniffer alone misreads a sheet
    whose replies hold quotes and commas); otherwise the sniffer's guess."""
    first = next((line for line in body.splitlines() if line.strip()), "")
    for delim in (",", "\t", ";"):
        try:
            header = next(csv.reader([first], delimiter=delim), [])
        except csv.Error:
            continue
        if len(header) > 1 and "body" in _columns(header):
            return csv.excel_tab if delim == "\t" else type("d", (csv.excel,), {"delimiter": delim})
    try:
        return csv.Sniffer().sniff(body[:4096], delimiters=",\t;")
    except csv.Error:
        return csv.excel_tab if suffix == ".tsv" else csv.excel


def _read_xlsx(path: Path) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except PermissionError as exc:
        raise ImportFileError(f"无法读取文件 {path.name}：没有权限或正被其他程序（Excel？）占用") from exc
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"无法读取 Excel 文件（可能已损坏或不是 .xlsx）：{exc}") from exc
    try:
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(["" if v is None else str(v).strip() for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        wb.close()


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    normed = [_norm_header(h) for h in header]
    for key, aliases in COLUMNS.items():
        wanted = [_norm_header(a) for a in aliases]
        for i, h in enumerate(normed):
            if h in wanted and i not in found.values():
                found[key] = i
                break
    return found


def parse(table: list[list[str]]) -> tuple[list[ImportRow], list[str]]:
    """Rows and the problems of the rows that were skipped or changed."""
    skipped = 0  # empty rows above the header: row numbers stay as Excel shows them
    while skipped < len(table) and not any(c for c in table[skipped]):
        skipped += 1
    table = table[skipped:]
    if not table:
        raise ImportFileError("文件是空的")
    cols = _columns(table[0])
    if "body" not in cols:
        shown = "、".join(h for h in table[0] if h)[:80] or "（无）"
        raise ImportFileError(f"第一行里找不到话术内容所在的列。第一行是：{shown}。"
                              "请把内容那一列的标题写成“内容”或“话术”（可选列：标题、快捷码、分组、意图、问法）")
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(f"一次最多导入 {MAX_ROWS} 行，这个文件有 {len(table) - 1} 行：请分几个文件导入")
    rows, problems = [], []

    def cell(r, key):
        i = cols.get(key)
        return _FORMULA_ESCAPE.sub("", r[i].strip()) if i is not None and i < len(r) and r[i] else ""

    for n, r in enumerate(table[1:], start=2 + skipped):
        if not any(c.strip() for c in r):
            continue
        body = cell(r, "body")
        if not body:
            problems.append(f"第 {n} 行：没有话术内容，已跳过")
            continue
        if text.looks_binary(body):
            problems.append(f"第 {n} 行：内容不是正常文字，已跳过")
            continue
        if len(body) > MAX_BODY:
            problems.append(f"第 {n} 行：内容有 {len(body)} 字，超过 {MAX_BODY} 字，已跳过")
            continue
        code = cell(r, "code").lstrip("/").lower()
        if code and not _CODE_OK.fullmatch(code):
            problems.append(f"第 {n} 行：快捷码“{code}”只能用字母、数字、下划线，已去掉快捷码")
            code = ""
        triggers = [t.strip() for t in _SPLIT.split(cell(r, "triggers")) if t.strip()][:20]
        stage = cell(r, "stage")
        if stage and stage.lower() not in STAGES:
            problems.append(f"第 {n} 行：不认识的阶段“{stage}”，按意图的阶段")
        rows.append(ImportRow(line=n, body=body, title=cell(r, "title")[:20], code=code, group=cell(r, "group")[:60],
                              intent=cell(r, "intent"), triggers=triggers, stage=STAGES.get(stage.lower(), ""),
                              enabled=cell(r, "status").lower() not in DISABLED))
    if not rows:
        raise ImportFileError("没有可导入的话术：" + ("；".join(problems[:3]) if problems else "所有行都是空的"))
    return rows, problems


# --- importing --------------------------------------------------------------------------------

def intent_lookup(conn: sqlite3.Connection):
    """A function from what a sheet calls an intent (id, 送礼/包装, 包装, 礼品包装 …) to its id."""
    names = kb.intent_names(conn)
    exact = {k.lower(): k for k in names} | {v: k for k, v in names.items()}
    parts = {}  # each part of a name like 送礼/包装, when only one intent has it
    for k, v in names.items():
        for part in re.split(r"[/、]", v):
            parts.setdefault(part, set()).add(k)

    def find(given: str) -> str | None:
        g = given.strip()
        if g.lower() in exact:
            return exact[g.lower()]
        hits = {k for part, ks in parts.items() if len(part) >= 2 and (part in g or g in part) for k in ks}
        return hits.pop() if len(hits) == 1 else None
    return find


def _resolve_intents(conn: sqlite3.Connection, rows: list[ImportRow], analyzer, problems: list[str]) -> None:
    find = intent_lookup(conn)
    ids = {r[0] for r in conn.execute("SELECT id FROM intents")}
    for row in rows:
        given = row.intent
        if given and (found := find(given)):
            row.intent = found
            continue
        if given:
            problems.append(f"第 {row.line} 行：不认识的意图“{given}”，已按内容自动判断")
        probe = "。".join(row.triggers[:3]) or row.title or row.body
        a = analyzer.analyse(probe) if analyzer is not None else None
        row.intent = a.intent if a is not None and a.intent in ids else "other"
        row.guessed = True


def import_file(conn: sqlite3.Connection, path: Path | str, *, analyzer=None, db_file: Path | None = None,
                dry_run: bool = False, intents: dict[int, str] | None = None) -> ImportReport:
    """Read, check and (unless ``dry_run``) import; raises ImportFileError for an unusable file.
    ``intents`` ({row number: intent id}) are the agent's corrections from the preview."""
    path = Path(path)
    report = ImportReport(file=str(path), dry_run=dry_run)
    rows, report.problems = parse(read_table(path))
    existing = {r[0] for r in conn.execute("SELECT text FROM replies")}
    codes = {r[0] for r in conn.execute("SELECT code FROM replies WHERE code IS NOT NULL")}
    kept, seen = [], set()
    for row in rows:
        if row.body in existing or row.body in seen:
            report.duplicates += 1
            continue
        seen.add(row.body)
        if row.code and row.code in codes:
            report.problems.append(f"第 {row.line} 行：快捷码 /{row.code} 已被占用，已去掉快捷码")
            row.code = ""
        if row.code:
            codes.add(row.code)
        kept.append(row)
    _resolve_intents(conn, kept, analyzer, report.problems)
    known = {r[0] for r in conn.execute("SELECT id FROM intents")}
    for row in kept:
        chosen = (intents or {}).get(row.line)
        if chosen in known:
            row.intent, row.guessed = chosen, False
    report.rows = kept
    if dry_run or not kept:
        return report
    if db_file is not None:
        saved = kb.backup(Path(db_file), "before-import")
        report.backup = str(saved) if saved else None
    report.batch = _new_batch(conn)
    tag = f"导入:{report.batch}"
    with conn:  # all rows or none
        for row in kept:
            tags = ["导入", *row.groups, tag]
            report.ids.append(usage.insert_user_reply(
                conn, intent=row.intent, body=row.body, title=row.title or None, triggers=row.triggers,
                code=row.code or None, tags=tags, stage=row.stage or None, enabled=row.enabled))
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                     (f"import:{report.batch}", json.dumps({"file": path.name, "ids": report.ids})))
    return report


def _new_batch(conn: sqlite3.Connection) -> str:
    """A batch id no other import has: the time to the second, then -2, -3 … within one second
    (two imports in the same second must stay two undoable batches)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    taken = {r[0].split(":", 1)[1] for r in conn.execute("SELECT key FROM meta WHERE key LIKE ?", (f"import:{stamp}%",))}
    batch, n = stamp, 1
    while batch in taken:
        n += 1
        batch = f"{stamp}-{n}"
    return batch


def batches(conn: sqlite3.Connection) -> list[dict]:
    """Imports that can still be undone, newest first."""
    out = []
    for key, value in conn.execute("SELECT key, value FROM meta WHERE key LIKE 'import:%' ORDER BY key DESC"):
        info = json.loads(value)
        out.append({"batch": key.split(":", 1)[1], "file": info.get("file"), "count": len(info.get("ids", []))})
    return out


def undo(conn: sqlite3.Connection, batch: str | None = None) -> tuple[str, int]:
    """Remove the replies of one import (the newest by default). Returns (batch, replies removed).
    Usage events keep their history; the replies, their phrasings and index rows go."""
    found = batches(conn)
    if not found:
        raise ImportFileError("没有可以撤销的导入")
    if batch is None:
        batch = found[0]["batch"]
    row = conn.execute("SELECT value FROM meta WHERE key=?", (f"import:{batch}",)).fetchone()
    if row is None:
        raise ImportFileError(f"找不到导入批次 {batch}（可撤销的：{'、'.join(b['batch'] for b in found)}）")
    ids = json.loads(row[0]).get("ids", [])
    with conn:
        for rid in ids:
            for (tid,) in conn.execute("SELECT id FROM triggers WHERE reply_id=?", (rid,)).fetchall():
                conn.execute("DELETE FROM trigger_fts WHERE rowid=?", (tid,))
            conn.execute("DELETE FROM triggers WHERE reply_id=?", (rid,))
            conn.execute("DELETE FROM reply_fts WHERE rowid=?", (rid,))
            conn.execute("DELETE FROM search_fts WHERE rowid=?", (rid,))
            conn.execute("DELETE FROM replies WHERE id=? AND source='user'", (rid,))
        conn.execute("DELETE FROM meta WHERE key=?", (f"import:{batch}",))
    return batch, len(ids)
