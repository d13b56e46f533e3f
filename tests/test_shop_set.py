"""The shop set (data/shop/): small-shop chat messages the project wrote, labelled and judged.
It is scored, never trained on; its validation half shares no message with the tune half."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from assistant.analysis import EMOTIONS
from assistant.evaluate import read_jsonl
from assistant.train import REPO, WRITTEN_DIR, intent_ids

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

