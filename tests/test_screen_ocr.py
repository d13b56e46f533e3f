"""The OCR engine is offline: its models come from the installed wheel, nothing is downloaded and
no network socket is opened while loading and reading (checked in a fresh interpreter with an
audit hook that fails on any socket or URL use)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("rapidocr_onnxruntime", reason="OCR extra not installed (make test installs it)")

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, os, sys
events = []
def hook(event, args):
    if event.startswith(("socket.", "urllib.", "http.")) or event in ("ftplib.connect", "smtplib.connect"):
        if event == "socket.__new__" and args and args[0] == 1:   # AF_UNIX (local IPC) is no network
            return
        events.append(event)
        raise RuntimeError(f"network use: {event} {args!r}")
sys.addaudithook(hook)
import numpy as np
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
sys.path.insert(0, "tests")
from screen_fixtures import render_chat
from assistant.screen.ocr import RapidOcr
from assistant.screen.watch import ocr_bubbles
import rapidocr_onnxruntime, glob
models = sorted(os.path.basename(p) for p in glob.glob(os.path.join(os.path.dirname(rapidocr_onnxruntime.__file__), "models", "*.onnx")))
img, _ = render_chat([("customer", "我买的杯子收到就碎了", "小王", "2026-12-01 10:02:11")])
b = ocr_bubbles(RapidOcr(), img)
print(json.dumps({"texts": [x.text for x in b], "events": events, "models": models}, ensure_ascii=False))
"""


def test_ocr_reads_offline_with_the_models_from_the_wheel(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "no_proxy": "*"}
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    out = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert out["events"] == []
    assert out["texts"] == ["我买的杯子收到就碎了"]
    assert "ch_PP-OCRv4_det_infer.onnx" in out["models"] and "ch_PP-OCRv4_rec_infer.onnx" in out["models"]
    # nothing downloaded into the user's home: onnxruntime only leaves its small local device-id
    # files (~/.cache/Microsoft/DeveloperTools/.onnxruntime), no model and nothing large
    files = [p for p in home.rglob("*") if p.is_file()]
    assert all(p.suffix != ".onnx" and p.stat().st_size < 100_000 for p in files), files
    assert all("onnxruntime" in str(p) for p in files), files


def test_a_frozen_build_without_ocr_says_which_build_to_use(monkeypatch):
    """The default one-folder build leaves the OCR stack out (packaging/kefu.spec): 看屏 says so
    in words a shop can act on, not a pip command."""
    import importlib.util
    import sys

    from assistant.screen import ocr

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    assert ocr.ocr_status() == (False, ocr.MISSING)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    usable, why = ocr.ocr_status()
    assert not usable and why == ocr.MISSING_FROZEN and "pip" not in why
