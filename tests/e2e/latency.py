"""What an agent waits for, measured on the real app under Xvfb: launch → window visible and
usable, copy in the chat → suggestions painted, global hotkey → search popup painted.

Used by the e2e test (which prints the figures) and by `make bench` (bench_ui.py, which writes
docs/bench/ui_latency.json and the README table). The clock starts just before xdotool is run,
so each figure includes starting the xdotool process (~5 ms here), as an agent's keypress would
not; the sidebar timestamps the moment Qt has painted.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from desktop import ROOT, SidebarProc, XDesktop, wait_for

MESSAGES = ["在吗", "这个杯子能装开水吗", "什么时候发货", "我的快递到哪了", "可以便宜点吗",
            "收到的东西坏了", "尺码怎么选", "能开发票吗", "退货运费谁出", "怎么还没到 急用"]


def summary(ms: list[float]) -> dict:
    """median, p95 (nearest rank), min, max of a sample, in ms."""
    vals = sorted(ms)
    p95 = vals[min(len(vals) - 1, max(0, int(round(0.95 * len(vals))) - 1))] if vals else 0.0
    return {"median": round(statistics.median(vals), 1) if vals else 0.0, "p95": round(p95, 1),
            "min": round(vals[0], 1) if vals else 0.0, "max": round(vals[-1], 1) if vals else 0.0,
            "n": len(vals)}


def copy_to_painted(desk: XDesktop, chat, sidebar: SidebarProc, n: int = 20) -> list[float]:
    out = []
    for i in range(n):
        msg = f"{MESSAGES[i % len(MESSAGES)]} ({i})"
        chat.show(msg)
        chat.select_history()
        t0 = time.monotonic()
        desk.key("ctrl+c")
        st = sidebar.wait(lambda s: s["message"] == msg and s["timing"].get("painted_at", 0) > t0, "painted")
        out.append((st["timing"]["painted_at"] - t0) * 1000)
    return out


def hotkey_to_popup(desk: XDesktop, chat, sidebar: SidebarProc, n: int = 20) -> list[float]:
    chat.focus_input()
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        desk.key("alt+q")
        st = sidebar.wait(lambda s: s["popup_visible"] and s["timing"].get("popup_shown_at", 0) > t0,
                          "popup shown")
        out.append((st["timing"]["popup_shown_at"] - t0) * 1000)
        desk.key("Escape")
        sidebar.wait(lambda s: not s["popup_visible"], "popup hidden")
        wait_for(lambda: desk.active_window() == chat.wid, what="chat active")
    return out


def launch(desk: XDesktop, home: Path, n: int = 5, cmd: list[str] | None = None) -> dict[str, list[float]]:
    """``n`` cold launches of `python -m ui.app` (or ``cmd``; knowledge.db already built): until the sidebar
    window is mapped, and until it answers with the knowledge base open (usable)."""
    visible, usable = [], []
    for _ in range(n):
        t0 = time.monotonic()
        app = SidebarProc(desk, home, wait=False, cmd=cmd)
        try:
            wait_for(lambda: desk.run(["xdotool", "search", "--onlyvisible", "--name", "^客服助手$"],
                                      check=False).strip(), timeout=30, interval=0.01, what="window visible")
            visible.append((time.monotonic() - t0) * 1000)
            app.wait_ready(timeout=30, interval=0.01)
            usable.append((time.monotonic() - t0) * 1000)
        finally:
            app.stop()
        time.sleep(0.5)  # let the single-instance socket go
    return {"visible": visible, "usable": usable}


__all__ = ["ROOT", "MESSAGES", "summary", "copy_to_painted", "hotkey_to_popup", "launch"]


# --- screen watch (issue 13) -------------------------------------------------------------------

def watch_on_and_mark(desk: XDesktop, chat, sidebar: SidebarProc) -> dict:
    """As the agent does it: chat in front, click 看屏 in the sidebar's title bar; the first time
    for this client the area picker opens: drag over the chat's message list."""
    desk.activate(chat.wid)
    st = sidebar.state()
    if not st["watch"]["on"]:
        desk.click(*st["watch_btn_at"])
        st = sidebar.wait(lambda s: s["watch"]["on"], "watch on")
        if sidebar.wait(lambda s: s["watch"]["picker"] or s["watch"]["area"], "picker or area")["watch"]["picker"]:
            mark(desk, chat, sidebar)
    else:  # watch already on: a new client's area is marked from the menu (title bar right click)
        sidebar.wait(lambda s: s["watch"]["profile"] and s["last_external_wid"] == chat.wid, "chat seen")
        if not sidebar.state()["watch"]["area"]:
            desk.run(["xdotool", "mousemove", *map(str, st["title_at"]), "click", "3"])
            sidebar.wait(lambda s: s["menu_visible"], "menu open")
            desk.key("Down", "Down", "Down", "Down", "Return")
            sidebar.wait(lambda s: s["watch"]["picker"], "area picker")
            mark(desk, chat, sidebar)
    wait_for(lambda: desk.active_window() == chat.wid, what="chat back in front")
    return sidebar.wait(lambda s: s["watch"]["area"] and s["watch"]["profile"], "area kept")


def mark(desk: XDesktop, chat, sidebar: SidebarProc) -> None:
    x, y, w, h = chat.state()["bubbles_rect"]
    time.sleep(0.3)  # the picker's full-screen layer is mapped
    desk.run(["xdotool", "mousemove", str(x + 2), str(y + 2), "mousedown", "1"])
    desk.run(["xdotool", "mousemove", str(x + w // 2), str(y + h // 2)])
    desk.run(["xdotool", "mousemove", str(x + w - 2), str(y + h - 2), "mouseup", "1"])
    sidebar.wait(lambda s: not s["watch"]["picker"], "picker closed")


def screen_to_painted(desk: XDesktop, chat, sidebar: SidebarProc, n: int = 20) -> list[float]:
    """A new customer bubble appears in the chat → the sidebar has painted its suggestions."""
    out = []
    for i in range(n):
        msg = f"{MESSAGES[i % len(MESSAGES)]}，第{i + 1}次问了"
        t0 = time.monotonic()
        chat.bubble("customer", msg, "小王", f"2026-12-01 11:{i:02d}:05")
        st = sidebar.wait(lambda s: s["source"] == "screen" and s["timing"].get("painted_at", 0) > t0
                          and s["timing"].get("screen_at", 0) > t0 and s["message"].endswith(f"{i + 1}次问了"),
                          "painted from the screen", timeout=15)
        out.append((st["timing"]["painted_at"] - t0) * 1000)
        before = sidebar.state()["watch"]["stats"]["reads"]
        chat.bubble("agent", f"好的亲，这就帮您看（{i + 1}）", "客服小美", f"2026-12-01 11:{i:02d}:20")
        # the customer reads the reply before writing again: the agent's bubble has been read
        sidebar.wait(lambda s: s["watch"]["stats"]["reads"] > before and not s["watch"]["busy"], "reply read", timeout=15)
        time.sleep(0.3)
    return out


def cpu_percent(pid: int, seconds: float = 20.0) -> float:
    """CPU time the process used over ``seconds`` of wall time, in % of one core."""
    import os

    def ticks():
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])  # utime + stime

    hz = os.sysconf("SC_CLK_TCK")
    a, t0 = ticks(), time.monotonic()
    time.sleep(seconds)
    b, t1 = ticks(), time.monotonic()
    return 100.0 * (b - a) / hz / (t1 - t0)
