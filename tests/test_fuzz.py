"""Property-based fuzz (hypothesis) of everything that takes text from outside: suggest (message
and earlier turns), search, check, fill, the masking of the usage log and the importers (the
parser and whole files of random bytes). The property is the product's promise: an answer of the
right shape or one clear ImportFileError, never another exception.

A fixed budget per target so CI time is predictable: KEFU_FUZZ_EXAMPLES (default 250) examples
each, derandomised (the same cases on every run; a failure reproduces), no deadline (a slow CI
box is not a bug). Seven targets: 1,750 cases by default.
"""
from __future__ import annotations

import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from assistant import importer, privacy  # noqa: E402
from assistant.engine import Conversation, Engine  # noqa: E402

BUDGET = int(os.environ.get("KEFU_FUZZ_EXAMPLES", "250"))
FUZZ = settings(max_examples=BUDGET, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# text as customers, agents and clipboards produce it: Chinese, ASCII, full-width forms, emoji,
# invisible characters, control characters, lone surrogates, FTS5 and regex syntax
SPECIAL = st.sampled_from(["\u200b", "\ufeff", "\u202e", "\x00", "\x1b", "\r\n", "\ud800", "\udfff", "\ufffd",
                           '"', "*", "(", ")", "NEAR", "AND", "OR", "{", "}", "{订单号}", "/", "^", "-", ":",
                           "[订单x]", "!@@@!", "[SEP]", "ｔｈｈ", "＝", "=cmd|' /C calc'!A0", "👍🏻", "\U0010ffff"])
WORDS = st.sampled_from(["退货", "发货", "快递", "杯子", "能装开水吗", "订单号", "3254857712345678", "13812345678",
                         "全网最好", "加微信", "thh", "fh", "亲", "差评", "投诉", "尺码", "160 105斤", "¥199"])
TEXT = st.lists(st.one_of(st.text(max_size=12), SPECIAL, WORDS), max_size=12).map("".join)


@pytest.fixture(scope="module")
def eng(built_db, tmp_path_factory):
    import shutil

    path = tmp_path_factory.mktemp("fuzz") / "knowledge.db"
    shutil.copy2(built_db, path)
    e = Engine(path)
    yield e
    e.close()


def _shape(s) -> None:
    d = s.as_dict()
    assert isinstance(d["replies"], list) and isinstance(d["warnings"], list)
    for r in d["replies"]:
        assert isinstance(r["filled"], str) and isinstance(r["missing"], list)


@FUZZ
@given(message=TEXT, context=st.lists(TEXT, max_size=4), platform=st.sampled_from(["", "千牛", "x"]),
       limit=st.integers(1, 12))
def test_suggest_never_raises(eng, message, context, platform, limit):
    _shape(eng.suggest(Conversation.of(message, context, platform=platform), limit=limit))


@FUZZ
@given(query=TEXT, limit=st.integers(1, 20))
def test_search_never_raises(eng, query, limit):
    hits = eng.search(query, limit=limit)
    assert len(hits) <= limit and all(isinstance(h["text"], str) for h in hits)


@FUZZ
@given(draft=TEXT)
def test_check_never_raises(eng, draft):
    res = eng.check(draft)
    assert isinstance(res["ok"], bool) and isinstance(res["rewritten"], str)


@FUZZ
@given(template=TEXT, entities=st.dictionaries(st.sampled_from(["order_no", "phone", "size", "amount", "product", "x"]),
                                               TEXT, max_size=4))
def test_fill_never_raises(eng, template, entities):
    filled, missing = eng.fill(template, entities)
    assert isinstance(filled, str) and isinstance(missing, list)


@FUZZ
@given(text=TEXT)
def test_masking_never_raises_and_is_stable(text):
    once = privacy.mask(text)
    assert privacy.mask(once) == once


@FUZZ
@given(table=st.lists(st.lists(TEXT, max_size=6), max_size=8),
       header=st.lists(st.sampled_from(["内容", "标题", "快捷码", "分组", "意图", "问法", "", "x"]), min_size=1, max_size=6))
def test_import_parser_says_why_or_imports(table, header):
    try:
        rows, problems = importer.parse([header, *table])
    except importer.ImportFileError as exc:
        assert str(exc)
        return
    assert rows and all(r.body for r in rows) and all(isinstance(p, str) for p in problems)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=600),
                     TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                     TEXT.map(lambda t: ("内容,标题\n" + t).encode("utf-16", "surrogatepass")),
                     TEXT.map(lambda t: ("内容\n" + t).encode("gb18030", "replace"))),
       suffix=st.sampled_from([".csv", ".tsv", ".txt", ".xlsx"]))
def test_import_files_of_random_bytes(tmp_path_factory, raw, suffix):
    path = tmp_path_factory.mktemp("f") / f"表{suffix}"
    path.write_bytes(raw)
    try:
        rows, _ = importer.parse(importer.read_table(path))
    except importer.ImportFileError as exc:
        assert str(exc)
        return
    assert all(isinstance(r.body, str) and r.body for r in rows)
