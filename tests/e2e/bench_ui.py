"""UI latency benchmark on a 1920×1080 Xvfb + openbox desktop (part of `make bench`).

    .venv/bin/python tests/e2e/bench_ui.py [--out docs/bench/ui_latency.json] [--readme README.md]

Launch → sidebar visible / usable (5 cold launches), copy → suggestions painted and Alt+Q →
search popup painted (20 each): median and p95. The issue's targets are 1.5 s, 100 ms, 100 ms.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import latency  # noqa: E402
from desktop import ROOT, Chat, SidebarProc, XDesktop  # noqa: E402

START, END = "<!-- bench-ui:start -->", "<!-- bench-ui:end -->"
ROWS = [("launch → sidebar visible", "launch_visible", 1500), ("launch → usable (knowledge base open)",
        "launch_usable", 1500), ("copy in the chat → suggestions painted", "copy_to_painted", 100),
        ("Alt+Q → search popup painted", "hotkey_to_popup", 100)]


def run(launches: int = 5, n: int = 20) -> dict:
    missing = XDesktop.missing()
    if missing:
        raise SystemExit(f"cannot run the UI benchmark: {missing}")
    desk = XDesktop(1920, 1080).start()
    home = Path(tempfile.mkdtemp(prefix="kefu-bench-ui-"))
    try:
        from assistant import kb

        kb.build(home / "knowledge.db")
        chat = Chat(desk, home / "chat.sock", geometry=(430, 110, 1020, 860))
        starts = latency.launch(desk, home, launches)
        sidebar = SidebarProc(desk, home, settings={"dock": "right", "geometry": [1480, 0, 440, 1080]})
        try:
            copy_ms = latency.copy_to_painted(desk, chat, sidebar, n)
            popup_ms = latency.hotkey_to_popup(desk, chat, sidebar, n)
        finally:
            sidebar.stop()
    finally:
        desk.stop()
        shutil.rmtree(home, ignore_errors=True)
    return {"when": time.strftime("%Y-%m-%d %H:%M"), "display": "Xvfb 1920x1080 + openbox",
            "launch_visible": latency.summary(starts["visible"]), "launch_usable": latency.summary(starts["usable"]),
            "copy_to_painted": latency.summary(copy_ms), "hotkey_to_popup": latency.summary(popup_ms)}


def table(report: dict) -> str:
    lines = ["| path | median ms | p95 ms | n | target |", "|---|---|---|---|---|"]
    for label, key, target in ROWS:
        s = report[key]
        lines.append(f"| {label} | {s['median']:.0f} | {s['p95']:.0f} | {s['n']} | ≤ {target} |")
    return "\n".join(lines)


def update_readme(path: Path, report: dict) -> bool:
    doc = path.read_text(encoding="utf-8")
    a, b = doc.find(START), doc.find(END)
    if a < 0 or b < a:
        return False
    block = f"{START}\nUI latency ({report['when']}, {report['display']}; [docs/bench/ui_latency.json]" \
            f"(docs/bench/ui_latency.json)):\n\n{table(report)}\n"
    path.write_text(doc[:a] + block + doc[b:], encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench" / "ui_latency.json"))
    ap.add_argument("--readme")
    ap.add_argument("--launches", type=int, default=5)
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args(argv)
    report = run(args.launches, args.n)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(report))
    if args.readme and not update_readme(Path(args.readme), report):
        print(f"{args.readme}: no {START} … {END} markers; table not written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
