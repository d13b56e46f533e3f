"""The shop set (data/shop/): small-shop chat messages the project wrote, labelled and judged.
It is scored, never trained on; its validation half shares no message with the tune half."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.analysis import EMOTIONS
from assistant.evaluate import read_jsonl
from assistant.train import POOL_FILE, REPO, WRITTEN_DIR, intent_ids

SHOP = REPO / "data" / "shop"
_spec = importlib.util.spec_from_file_location("shop_build", SHOP / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)
PARTS = build.parts()  # tune, val and the tune halves written later


def test_the_shop_set_is_labelled_by_the_spec_split_cleanly_and_not_training_text():
    tune, val = read_jsonl(SHOP / "tune.jsonl"), read_jsonl(SHOP / "val.jsonl")
    assert len(tune) >= 200 and len(val) >= 200
    assert len(PARTS) >= 8 and PARTS[:2] == ("tune", "val")
    for later in PARTS[2:]:  # tune halves written later
        tune += read_jsonl(SHOP / f"{later}.jsonl")
    intents, emotions = set(intent_ids()), set(EMOTIONS)
    for r in tune + val:
        assert r["intent"] in intents and r["emotion"] in emotions and isinstance(r["urgent"], bool)
        assert all(v in r["message"] for v in r["entities"].values()), r["id"]
        assert all(t["role"] in ("customer", "agent") for t in r["context"])
    assert not {r["id"] for r in tune} & {r["id"] for r in val}
    assert not {r["message"] for r in tune} & {r["message"] for r in val}
    written = {json.loads(line)["text"] for p in Path(WRITTEN_DIR).glob("*.jsonl")
               for line in p.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not written & {r["message"] for r in tune + val}
    # every judged id is a shop message, and every message has verdicts
    judged = {r["id"] for r in read_jsonl(SHOP / "judged.jsonl")}
    assert judged == {r["id"] for r in tune + val}


def test_build_reproduces_the_shop_set_from_the_writers_files():
    before = {p: (SHOP / f"{p}.jsonl").read_bytes() for p in PARTS}
    out = subprocess.run([sys.executable, str(SHOP / "build.py")], capture_output=True, text=True, check=True).stdout
    assert all(part in out for part in PARTS)
    assert {p: (SHOP / f"{p}.jsonl").read_bytes() for p in before} == before



def test_written_training_text_may_not_copy_a_shop_message(tmp_path):
    """data/written/check.py drops a line that is nearly a shop message (a tune message it was
    written after, or a validation one), as it does for real pool and dev messages."""
    if not POOL_FILE.exists():
        pytest.skip("../shared/corpus/pool.jsonl is not beside the checkout")
    source = next(r for r in read_jsonl(SHOP / "tune.jsonl") if len(r["message"]) >= 30)
    near = source["message"][:-1] + ("啊" if source["message"][-1] != "啊" else "吧")
    lines = [{"text": near, "context": [], "intent": source["intent"], "intent2": None, "emotion": "calm",
              "intensity": 0, "urgent": False, "feeling_only": True},
             {"text": "这款蓝牙音箱防水吗 洗澡的时候想放浴室里听歌", "context": [], "intent": "product_info",
              "intent2": None, "emotion": "calm", "intensity": 0, "urgent": False, "feeling_only": True}]
    src = tmp_path / "lines.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run([sys.executable, str(WRITTEN_DIR / "check.py"), str(src), "--out", str(out)], check=True,
                   capture_output=True)
    kept = [json.loads(line) for line in (out / "lines.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert [r["text"] for r in kept] == [lines[1]["text"]]
    assert kept[0]["feeling_only"] is True
