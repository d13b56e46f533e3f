"""The behavioural probe set (data/probes/probes.jsonl): 200 messages the project wrote, 20 for each
pattern a keyword reader gets wrong (negation, thanks with a problem, sarcasm, soft feelings,
threats, pre-sale worries, two needs, money, short follow-ups). It is scored, never trained on."""
import json
from pathlib import Path

from assistant.analysis import EMOTIONS
from assistant.evaluate import evaluate, read_jsonl
from assistant.train import REPO, WRITTEN_DIR, intent_ids

PROBES = REPO / "data" / "probes" / "probes.jsonl"


def test_the_probe_set_uses_the_spec_and_is_not_training_text():
    rows = read_jsonl(PROBES)
    intents, emotions = set(intent_ids()), set(EMOTIONS)
    assert len(rows) == 200 and len({r["id"] for r in rows}) == 200
    assert len({r["source"] for r in rows}) == 10
    for r in rows:
        assert r["intent"] in intents and r["emotion"] in emotions and r.get("intent2") in intents | {None}
        assert all(t["role"] in ("customer", "agent") for t in r["context"])
    written = {json.loads(line)["text"] for p in Path(WRITTEN_DIR).glob("*.jsonl")
               for line in p.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not written & {r["message"] for r in rows}


def test_kefu_eval_reports_the_probes_per_pattern(engine):
    res = evaluate(engine, read_jsonl(PROBES), report=True)
    assert res["n"] == 200
    assert set(res["per_source"]) == {r["source"] for r in read_jsonl(PROBES)}
    assert all(v["n"] == 20 for v in res["per_source"].values())
