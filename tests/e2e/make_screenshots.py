"""Screenshots of the sidebar beside the test chat window on a 1920×1080 Xvfb + openbox desktop.

    .venv/bin/python tests/e2e/make_screenshots.py            # writes docs/screenshots/*.png

Same machinery as the e2e tests: the real app, the test chat window, xdotool copying the message.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # usage_data
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from desktop import ROOT, Chat, SidebarProc, XDesktop, wait_for  # noqa: E402

SCENES = {  # in this order: the sidebar reads each with the chat's earlier messages
    # no answer is a sure fit: the 先回复 line alone, the guesses folded (key G)
    "unsure": "你们这个app老是闪退",
    "presale": "你好，这款保温杯能装开水吗？容量多大，有没有粉色的？",
    "complaint": "你们怎么回事！！买的杯子收到就是碎的，订单号 3254857712345678，找客服半天没人回，"
                 "再不给我处理我就去投诉给差评！",
}


def paint_background(display: str) -> None:
    from Xlib import display as xdisplay

    d = xdisplay.Display(display)
    root = d.screen().root
    root.change_attributes(background_pixel=0x2F4F6F)
    root.clear_area(0, 0, 0, 0)
    d.sync()
    d.close()


def main(out_dir: Path = ROOT / "docs" / "screenshots") -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    desk = XDesktop(1920, 1080).start()
    home = Path(tempfile.mkdtemp(prefix="kefu-shots-"))
    sidebar = None
    try:
        paint_background(desk.display)
        from assistant import kb

        kb.build(home / "knowledge.db")
        chat = Chat(desk, home / "chat.sock", geometry=(430, 110, 1020, 860))
        sidebar = SidebarProc(desk, home, settings={"dock": "right", "geometry": [1480, 0, 440, 1080]})
        for name, message in SCENES.items():
            chat.clear()
            chat.show(message)
            chat.copy_history()
            sidebar.wait(lambda s: s["message"] == message and (s["replies"] or s["folded"]),
                         f"suggestions for {name}")
            sidebar.wait(lambda s: s["timing"].get("painted_at", 0) > 0, "painted")
            chat.focus_input()
            wait_for(lambda: desk.active_window() == chat.wid, what="chat in front")
            path = out_dir / f"{name}.png"
            desk.screenshot(path)
            print("wrote", path)
        screen_watch(desk, chat, sidebar, out_dir)
        sidebar.stop()
        sidebar = None
        chat.proc.terminate()
        chat.proc.wait(5)
        stats_window(desk, home, out_dir / "stats.png")
        broken_database(desk, out_dir / "corrupt.png")
    finally:
        if sidebar is not None:
            sidebar.stop()
        desk.stop()
        shutil.rmtree(home, ignore_errors=True)


WATCHED = [("customer", "你好，在吗？", "小王", "2026-12-01 10:02:11"),
           ("agent", "亲，在的，请问有什么可以帮您？", "客服小美", "2026-12-01 10:02:30"),
           ("customer", "我买的杯子收到就碎了，订单号 3254857712345678，怎么处理？", "小王", "2026-12-01 10:03:05")]


def screen_watch(desk: XDesktop, chat, sidebar, out_dir: Path) -> None:
    """看屏: the area being marked (mid-drag), then the sidebar reading the chat without a copy."""
    import time

    chat.clear()
    chat.show("")
    chat.clear_bubbles()
    for role, text, nick, when in WATCHED[:2]:
        chat.bubble(role, text, nick, when)
    desk.activate(chat.wid)
    desk.click(*sidebar.state()["watch_btn_at"])
    sidebar.wait(lambda s: s["watch"]["picker"], "area picker")
    x, y, w, h = chat.state()["bubbles_rect"]
    time.sleep(0.4)
    desk.run(["xdotool", "mousemove", str(x + 2), str(y + 2), "mousedown", "1"])
    desk.run(["xdotool", "mousemove", str(x + w // 2), str(y + h // 2)])
    desk.run(["xdotool", "mousemove", str(x + w - 2), str(y + h - 2)])
    time.sleep(0.3)
    path = out_dir / "screen-watch-mark.png"
    desk.screenshot(path)
    print("wrote", path)
    desk.run(["xdotool", "mouseup", "1", "mousemove", "10", "1060"])
    wait_for(lambda: desk.active_window() == chat.wid, what="chat back in front")
    role, text, nick, when = WATCHED[2]
    chat.bubble(role, text, nick, when)
    sidebar.wait(lambda s: s["source"] == "screen" and s["message"].startswith("我买的杯子") and s["replies"],
                 "read off the screen", timeout=20)
    time.sleep(0.5)
    path = out_dir / "screen-watch.png"
    desk.screenshot(path)
    print("wrote", path)


def stats_window(desk: XDesktop, home: Path, path: Path) -> None:
    """The 使用统计 window over a week of simulated use (tests/usage_data.py)."""
    from assistant.engine import Engine
    from usage_data import fill_usage_log

    db = home / "knowledge.db"
    eng = Engine(db)
    fill_usage_log(eng, db, days=7, per_day=40)
    eng.close()
    proc = desk.spawn([sys.executable, "-m", "ui.stats_view"], env={"KEFU_HOME": str(home)})
    try:
        wid = wait_for(lambda: _window_named(desk, "使用统计"), timeout=20, what="stats window")
        desk.run(["xdotool", "windowmove", wid, "40", "30"], check=False)
        desk.run(["xdotool", "windowsize", wid, "1400", "900"], check=False)
        import time

        time.sleep(2.0)  # the report is computed on a worker thread; nothing to poll from outside
        desk.screenshot(path)
        print("wrote", path)
    finally:
        proc.terminate()
        proc.wait(5)


def broken_database(desk: XDesktop, path: Path) -> None:
    """The sidebar on a knowledge base that is no longer a database, with a backup to go back to:
    it says 已损坏 and offers 恢复备份 / 重新生成 (issue 11)."""
    import os

    home = Path(tempfile.mkdtemp(prefix="kefu-broken-"))
    os.environ["KEFU_HOME"] = str(home)
    sidebar = None
    try:
        from assistant import backups, kb

        kb.build(home / "knowledge.db")
        backups.make_backup(home / "knowledge.db", "manual")
        with open(home / "knowledge.db", "r+b") as fh:
            fh.write(b"not a database any more " * 40)
        sidebar = SidebarProc(desk, home, settings={"dock": "right", "geometry": [1480, 0, 440, 1080]}, wait=False)
        wait_for(lambda: "已损坏" in ((sidebar.state_or_none() or {}).get("status") or ""), timeout=30,
                 what="corrupt state shown")
        import time

        time.sleep(0.5)
        desk.screenshot(path)
        print("wrote", path)
    finally:
        if sidebar is not None:
            sidebar.stop()
        shutil.rmtree(home, ignore_errors=True)


def _window_named(desk: XDesktop, name: str) -> str | None:
    out = desk.run(["xdotool", "search", "--name", name], check=False).split()
    return out[0] if out else None


if __name__ == "__main__" and sys.argv[1:2] == ["--broken"]:  # only the 已损坏 screenshot
    _desk = XDesktop(1920, 1080).start()
    try:
        paint_background(_desk.display)
        broken_database(_desk, ROOT / "docs" / "screenshots" / "corrupt.png")
    finally:
        _desk.stop()
elif __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
