"""Quality regression on our own labelled messages (tests/data/own_messages.jsonl, written by the
team for this purpose — not the research dev set). Fails when analysis or ranking gets worse."""
from pathlib import Path

from assistant.evaluate import evaluate, read_jsonl

DATA = Path(__file__).parent / "data" / "own_messages.jsonl"


def test_own_messages_meet_the_quality_bar(engine):
    res = evaluate(engine, read_jsonl(DATA))
    assert res["n"] == 180
    assert res["intent_acc"] >= 0.85, res
    assert res["reply_hit@3"] >= 0.90, res
    assert res["emotion_macro_f1"] >= 0.55, res
    assert res["entity_f1"] >= 0.6, res


def test_metrics_are_computed_as_documented(engine):
    items = [
        {"message": "发什么快递", "intent": "shipping_method", "emotion": "calm", "urgent": False, "entities": {}},
        {"message": "发什么快递", "intent": "invoice", "emotion": "angry", "urgent": True,
         "entities": {"product": "快递"}},
    ]
    res = evaluate(engine, items)
    assert res["intent_acc"] == 0.5          # one right, one wrong
    assert res["reply_hit@1"] == 0.5
    assert res["urgent_f1"] == 0.0           # the one urgent item was missed
    assert res["entity_f1"] == 0.0           # predicted nothing, gold had one entity
    assert 0 < res["emotion_macro_f1"] < 1   # calm right, angry wrong
