"""Customers who write traditional characters (訂單還沒發貨) are read like those who write simplified:
the knowledge base, the lexicon and the reader's weights are all simplified (assistant/text.py,
`simplified`)."""
import logging
import sys
from pathlib import Path

import opencc

from assistant import text
from assistant.engine import Conversation
from assistant.evaluate import read_jsonl

OWN = Path(__file__).parent / "data" / "own_messages.jsonl"


def _reading(engine, message: str, context: list[str]) -> tuple:
    s = engine.suggest(Conversation.of(message, context))
    a = s.analysis
    return (a.intent, a.emotion, a.urgent, a.category, [r["code"] for r in s.replies[:3]])


def test_a_message_in_traditional_characters_reads_as_its_simplified_twin(engine):
    to_trad = opencc.OpenCC("s2tw")
    twins = 0
    for item in read_jsonl(OWN):
        msg, ctx = item["message"], [t["text"] if isinstance(t, dict) else t for t in item.get("context") or []]
        trad = to_trad.convert(msg)
        if trad == msg or text.simplified(trad) != msg:
            continue  # nothing to convert, or a character with two simplified forms (乾/幹 → 干)
        twins += 1
        assert _reading(engine, trad, [to_trad.convert(t) for t in ctx]) == _reading(engine, msg, ctx), msg
    assert twins >= 120  # most of the 180 messages have a traditional twin


def test_entities_are_given_as_the_customer_wrote_them(engine):
    a = engine.suggest("我買的手機殼什麼時候發貨？訂單號123456789012345678").analysis
    assert a.intent == "shipping_time"
    assert a.entities["product"] == "手機殼"  # a substring of the message, for the chips and {商品}
    assert a.entities["order_no"] == "123456789012345678"
    assert a.category == engine.suggest("我买的手机壳什么时候发货").analysis.category == "数码配件"


def test_an_upset_customer_in_traditional_gets_the_same_care(engine):
    # the cues read the raw message too (!!, 怎麼回事): the analyser converts before any of them
    an = engine.analyzer
    simp, trad = an.analyse("还没发货！！你们怎么回事，再不发我就投诉"), an.analyse("還沒發貨！！你們怎麼回事，再不發我就投訴")
    assert (trad.intent, trad.emotion, trad.urgent) == (simp.intent, simp.emotion, simp.urgent)
    assert trad.urgent and trad.emotion in ("angry", "anxious")


def test_simplified_text_is_left_as_it_is(engine):
    # a converter for Taiwan's variants would turn 么 into 幺 and 程序 into 进程: t2s changes nothing here
    rows = engine.conn.execute("SELECT text FROM triggers UNION ALL SELECT text FROM replies").fetchall()
    assert len(rows) > 1000
    changed = [r[0] for r in rows if text.simplified(r[0]) != r[0]]
    assert changed == []


def test_search_finds_replies_typed_in_traditional(engine):
    simp = [h["id"] for h in engine.search("退货运费")]
    assert simp and [h["id"] for h in engine.search("退貨運費")] == simp


def test_without_opencc_messages_are_read_as_written(monkeypatch, caplog):
    monkeypatch.setattr(text, "_t2s", None)
    monkeypatch.setitem(sys.modules, "opencc", None)  # import opencc now raises ImportError
    with caplog.at_level(logging.WARNING, logger="assistant.text"):
        assert text.simplified("訂單還沒發貨") == "訂單還沒發貨"
    assert "OpenCC unavailable" in caplog.text
    monkeypatch.setattr(text, "_t2s", None)  # the next test loads it again
