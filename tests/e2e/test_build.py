"""The one-folder build (packaging/kefu.spec), built once per session and run as a shop PC would:
`kefu suggest … --json` gives what the source tree gives, `kefu doctor` works frozen, the
portable marker keeps the data beside the executable, and the sidebar starts under Xvfb, shows,
and quits cleanly. Slow (~1–2 min: the build is ~20 s, the first suggest builds knowledge.db)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import ROOT, SidebarProc, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

MESSAGES = ["收到的杯子碎了 订单号 3254857712345678", "这款保温杯能装开水吗？有没有粉色的", "什么时候发货",
            "你们怎么回事！！再不处理我就投诉给差评",
            "我買的手機殼什麼時候發貨"]  # traditional: OpenCC's tables must be in the build too


@pytest.fixture(scope="session")
def frozen(tmp_path_factory) -> Path:
    """build/… of this checkout, built once per test session into a temporary folder."""
    pytest.importorskip("PyInstaller")
    if not sys.platform.startswith("linux"):
        pytest.skip("the frozen-build test runs on Linux (see docs/packaging.md for Windows/macOS)")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR", "--distpath",
                    str(out), "--workpath", str(out / ".work"), str(ROOT / "packaging" / "kefu.spec")],
                   check=True, cwd=ROOT, timeout=600)
    exe = out / "kefu" / "kefu"
    assert exe.exists()
    return exe


def _clean_env(home: Path | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KEFU_HOME", "PYTHONPATH")}
    if home is not None:
        env["KEFU_HOME"] = str(home)
    return env


def _suggest(cmd: list[str], home: Path, message: str) -> dict:
    res = subprocess.run([*cmd, "suggest", message, "--json"], capture_output=True, env=_clean_env(home),
                         timeout=120, cwd=home)
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
    out = json.loads(res.stdout)
    out.pop("elapsed_ms")
    return out


def test_frozen_suggest_gives_the_same_result_as_the_source_tree(frozen, tmp_path):
    (tmp_path / "frozen").mkdir()
    (tmp_path / "source").mkdir()
    for message in MESSAGES:  # each side builds its own knowledge.db from its own resources
        got = _suggest([str(frozen)], tmp_path / "frozen", message)
        want = _suggest([sys.executable, "-m", "assistant"], tmp_path / "source", message)
        assert got == want
        assert got["replies"] and got["analysis"]["intent"]


def test_frozen_doctor_and_portable_mode(frozen, tmp_path):
    app = frozen.parent
    res = subprocess.run([str(frozen), "doctor", "--json", "--no-adapters"], capture_output=True,
                         env=_clean_env(tmp_path), timeout=60)
    r = json.loads(res.stdout)
    assert r["versions"]["frozen"] is True and r["paths"]["resources_ok"]
    assert r["versions"]["reader_model"].startswith("reader.npz")
    assert r["versions"]["verdict_memory"].startswith("memory.npz")  # bundled by the spec
    assert r["versions"]["pyside6-essentials"] and r["versions"]["rapidfuzz"]  # package metadata is bundled
    marker = app / "portable"
    marker.write_text("", encoding="utf-8")
    try:
        env = _clean_env(None)
        res = subprocess.run([str(frozen), "kb", "stats", "--json"], capture_output=True, env=env, timeout=120)
        assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
        assert (app / "data" / "knowledge.db").exists()
        r = json.loads(subprocess.run([str(frozen), "doctor", "--json", "--no-adapters"], capture_output=True,
                                      env=env, timeout=60).stdout)
        assert r["paths"]["why"] == "portable" and r["paths"]["data_dir"] == str(app / "data")
        assert r["database"]["integrity"] == "ok"
    finally:
        marker.unlink()
        shutil.rmtree(app / "data", ignore_errors=True)


def test_frozen_sidebar_starts_under_xvfb_shows_and_quits_cleanly(frozen, xdesktop, built_db, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(built_db, home / "knowledge.db")
    app = SidebarProc(xdesktop, home, settings={"dock": "right", "geometry": [1480, 0, 440, 1080]},
                      cmd=[str(frozen)], wait=False)
    try:
        app.wait_ready(timeout=60)
        wait_for(lambda: xdesktop.run(["xdotool", "search", "--onlyvisible", "--name", "^客服助手$"],
                                      check=False).strip(), timeout=20, what="sidebar window visible")
        st = app.state()
        assert st["sidebar_visible"] and "条话术" in st["status"]
        shot = Path(os.environ.get("KEFU_SHOT_DIR", tmp_path)) / "frozen-sidebar.png"
        xdesktop.screenshot(shot)
        assert shot.stat().st_size > 10_000  # a painted desktop, not an empty frame
        code = app.quit()
    finally:
        app.stop()
    assert code == 0
    assert json.loads((home / "settings.json").read_text(encoding="utf-8"))["dock"] == "right"  # saved on the way out
    log = (home / "stderr.log").read_text(errors="replace")
    assert "Traceback" not in log and "Failed to execute script" not in log
