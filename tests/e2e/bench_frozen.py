"""Size of the one-folder build and its launch → usable window on Xvfb (figures in README and
docs/packaging.md).

    make build && .venv/bin/python tests/e2e/bench_frozen.py [--launches 5] [--exe build/kefu/kefu]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import latency  # noqa: E402
from desktop import ROOT, XDesktop  # noqa: E402


def folder_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6, 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", default=str(ROOT / "build" / "kefu" / "kefu"))
    ap.add_argument("--launches", type=int, default=5)
    args = ap.parse_args(argv)
    exe = Path(args.exe)
    if not exe.exists():
        raise SystemExit(f"{exe} 不存在：先运行 make build")
    desk = XDesktop(1920, 1080).start()
    home = Path(tempfile.mkdtemp(prefix="kefu-bench-frozen-"))
    try:
        from assistant import kb

        kb.build(home / "knowledge.db")
        t0 = time.monotonic()
        os.system(f"KEFU_HOME={home}/cli {exe} --version >/dev/null")
        cli_ms = (time.monotonic() - t0) * 1000
        frozen = latency.launch(desk, home, args.launches, cmd=[str(exe)])
        source = latency.launch(desk, home, args.launches)
    finally:
        desk.stop()
        shutil.rmtree(home, ignore_errors=True)
    report = {"when": time.strftime("%Y-%m-%d %H:%M"), "display": "Xvfb 1920x1080 + openbox",
              "size_mb": folder_mb(exe.parent), "files": sum(1 for p in exe.parent.rglob("*") if p.is_file()),
              "cli_version_ms": round(cli_ms), "frozen_visible": latency.summary(frozen["visible"]),
              "frozen_usable": latency.summary(frozen["usable"]), "source_visible": latency.summary(source["visible"]),
              "source_usable": latency.summary(source["usable"])}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
