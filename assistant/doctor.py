"""`kefu doctor`: what a shop PC's set-up looks like, for the owner or whoever helps them on the
phone — paths (and why there: KEFU_HOME, portable, per-user), the OS adapters the app would pick,
the display, the database's health and size, backups, versions. Works in the frozen build.

Every check is read-only except that the data dir is created if missing (as the app would)."""
from __future__ import annotations

import os
import platform
import sqlite3
import sys
import time
from pathlib import Path

from assistant import __version__, kb, paths


def _mb(n: int) -> float:
    return round(n / 1024 / 1024, 2)


def _dist_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _module_version(name: str) -> str | None:
    """A package's __version__ without importing Qt into the engine (PySide6 is read from metadata)."""
    try:
        mod = __import__(name)
    except Exception:
        return None
    return str(getattr(mod, "__version__", "") or "") or None


def versions() -> dict:
    out = {"kefu": __version__, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
           "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
           "frozen": bool(getattr(sys, "frozen", False))}
    for dist in ("PySide6-essentials", "PySide6", "pynput", "rapidfuzz", "numpy", "openpyxl",
                 "pypinyin", "opencc"):
        v = _dist_version(dist)
        if v:
            out[dist.lower()] = v
    for mod in ("numpy", "rapidfuzz"):  # the frozen build may lack their metadata
        out.setdefault(mod, _module_version(mod))
    model = paths.resources_dir() / "models" / "reader.npz"
    out["reader_model"] = (f"{model.name} {_mb(model.stat().st_size)} MB, "
                           f"{time.strftime('%Y-%m-%d', time.localtime(model.stat().st_mtime))}") if model.exists() else "缺失"
    memory = paths.resources_dir() / "models" / "memory.npz"  # the verdict memory (assistant/memory.py)
    out["verdict_memory"] = f"{memory.name} {_mb(memory.stat().st_size)} MB" if memory.exists() else "缺失"
    return out


def path_info() -> dict:
    return {"data_dir": str(paths.data_dir()), "why": paths.data_dir_source(), "portable": paths.is_portable(),
            "app_dir": str(paths.app_dir()), "resources": str(paths.resources_dir()),
            "resources_ok": (paths.kb_resources_dir() / "intents.tsv").exists(),
            "settings": str(paths.settings_path()), "log": str(paths.log_path()),
            "backups": str(paths.backups_dir()),
            "writable": os.access(paths.data_dir(), os.W_OK)}


def display_info(environ=None) -> dict:
    env = os.environ if environ is None else environ
    info = {"platform": sys.platform}
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM"):
        if env.get(k):
            info[k] = env[k]
    if sys.platform.startswith("linux"):
        info["ok"] = bool(env.get("DISPLAY")) or env.get("QT_QPA_PLATFORM") in ("offscreen", "minimal")
        if not info["ok"]:
            info["problem"] = ("Wayland 下无法读取其他窗口或模拟按键：请用 X11 会话" if env.get("WAYLAND_DISPLAY")
                               else "没有图形桌面（DISPLAY 未设置）：侧边栏无法启动，命令行可用")
    else:
        info["ok"] = True
    return info


def adapter_info() -> dict:
    from assistant import platform as osplatform

    a = osplatform.select()
    out = {"name": a.name, "clipboard": type(a.clipboard).__name__, "hotkeys": type(a.hotkeys).__name__,
           "window": type(a.active_window).__name__, "paste": type(a.injector).__name__,
           "screen_text": type(a.screen_text).__name__, "notes": list(a.notes)}
    close = getattr(a.hotkeys, "stop", None)
    if close:
        try:
            close()
        except Exception:
            pass
    return out


def database_info(db_file: Path | None = None) -> dict:
    from assistant.db import MIGRATIONS

    db_file = Path(db_file or paths.db_path())
    info: dict = {"path": str(db_file), "exists": db_file.exists()}
    if not db_file.exists():
        info.update(ok=True, note="还没有生成：第一次启动或 `kefu kb build` 时从内置知识生成")
        return info
    size = db_file.stat().st_size
    wal = db_file.with_name(db_file.name + "-wal")
    info["size_mb"] = _mb(size + (wal.stat().st_size if wal.exists() else 0))
    try:
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=5)
        try:
            info["integrity"] = conn.execute("PRAGMA quick_check").fetchone()[0]
            info["schema"] = conn.execute("PRAGMA user_version").fetchone()[0]
            info["schema_current"] = len(MIGRATIONS)
            info["journal"] = conn.execute("PRAGMA journal_mode").fetchone()[0]
            conn.row_factory = sqlite3.Row
            st = kb.stats(conn)
            info.update({k: st[k] for k in ("replies", "user_replies", "products", "cross_sell", "built_at")})
            try:
                info["usage_events"] = conn.execute("SELECT count(*) FROM usage_events").fetchone()[0]
            except sqlite3.OperationalError:
                info["usage_events"] = 0
        finally:
            conn.close()
        info["stale"] = kb.is_stale(db_file)
        info["ok"] = info["integrity"] == "ok"
    except sqlite3.DatabaseError as exc:
        info.update(ok=False, integrity=str(exc), problem="知识库文件打不开或已损坏：`kefu kb build --force` 会先备份再重建")
    return info


def backup_info() -> dict:
    from assistant import backups

    found = backups.list_backups()  # newest first, the same listing as `kefu kb backups`
    return {"dir": str(paths.backups_dir()), "count": len(found),
            "size_mb": _mb(sum(b.size for b in found)),
            "newest": found[0].name if found else None,
            "newest_at": time.strftime("%Y-%m-%d %H:%M", time.localtime(found[0].created)) if found else None}


def run(db_file: Path | None = None, *, adapters: bool = True) -> dict:
    report = {"versions": versions(), "paths": path_info(), "display": display_info()}
    report["adapters"] = adapter_info() if adapters else None
    report["database"] = database_info(db_file)
    report["backups"] = backup_info()
    problems = []
    if not report["paths"]["resources_ok"]:
        problems.append(f"找不到内置知识：{report['paths']['resources']}")
    if not report["paths"]["writable"]:
        problems.append(f"数据目录不可写：{report['paths']['data_dir']}")
    if not report["display"]["ok"]:
        problems.append(report["display"]["problem"])
    if not report["database"].get("ok", False):
        problems.append(report["database"].get("problem", "知识库有问题"))
    if report["versions"]["reader_model"] == "缺失":
        problems.append("缺少读懂消息的模型 reader.npz：只用人工规则判断意图")
    if report["versions"].get("verdict_memory") == "缺失":
        problems.append("缺少评审记忆 memory.npz：评审判为有害的相近回复不会被排除")
    report["problems"] = problems
    report["ok"] = not problems
    return report


def format_report(r: dict) -> str:
    why = {"KEFU_HOME": "环境变量 KEFU_HOME", "portable": "便携模式（程序旁的文件夹）", "user": "用户数据目录"}
    p, d, b, v = r["paths"], r["database"], r["backups"], r["versions"]
    lines = [f"客服助手 {v['kefu']}{'（打包版）' if v['frozen'] else ''} · Python {v['python']} · SQLite {v['sqlite']} · {v['os']}",
             "版本：" + "  ".join(f"{k} {val}" for k, val in v.items()
                                 if k not in ("kefu", "python", "sqlite", "os", "frozen") and val),
             f"数据目录：{p['data_dir']}（{why.get(p['why'], p['why'])}）{'' if p['writable'] else ' ✗ 不可写'}",
             f"程序目录：{p['app_dir']}",
             f"内置知识：{p['resources']} {'✓' if p['resources_ok'] else '✗ 缺失'}",
             f"设置：{p['settings']}   日志：{p['log']}"]
    disp = r["display"]
    lines.append("显示：" + "  ".join(f"{k}={val}" for k, val in disp.items() if k not in ("ok", "problem"))
                 + ("" if disp["ok"] else f"  ✗ {disp['problem']}"))
    a = r.get("adapters")
    if a:
        lines.append(f"系统接口：{a['name']}（剪贴板 {a['clipboard']}，快捷键 {a['hotkeys']}，窗口 {a['window']}，"
                     f"粘贴 {a['paste']}，屏幕文字 {a['screen_text']}）")
        for n in a["notes"]:
            lines.append(f"  注意：{n}")
    if d["exists"]:
        lines.append(f"知识库：{d['path']}  {d.get('size_mb', '?')} MB  检查 {d.get('integrity')}  "
                     f"结构版本 {d.get('schema')}/{d.get('schema_current')}  {d.get('journal', '')}")
        if d.get("ok"):
            lines.append(f"  话术 {d['replies']} 条（本店 {d['user_replies']}），商品 {d['products']}，搭配 {d['cross_sell']}，"
                         f"使用记录 {d['usage_events']} 条，生成于 {d['built_at']}{'（内置知识有更新）' if d.get('stale') else ''}")
    else:
        lines.append(f"知识库：{d['path']}（{d['note']}）")
    lines.append(f"备份：{b['count']} 个，{b['size_mb']} MB，在 {b['dir']}"
                 + (f"；最新 {b['newest']}（{b['newest_at']}）" if b["newest"] else ""))
    lines.append("结论：一切正常" if r["ok"] else "结论：有问题\n" + "\n".join(f"  ✗ {x}" for x in r["problems"]))
    return "\n".join(lines)
