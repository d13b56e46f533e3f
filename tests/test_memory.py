"""The verdict memory (assistant/memory.py): replies judged harmful for a close judged message are
left out; the memory is rebuilt from the repo's tune halves, never the validation half."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant import train
from assistant.engine import Conversation, Engine
from assistant.memory import Judged, VerdictMemory, default_model_path

JUDGED = [
    Judged("手机壳买错型号了 拍成14了 能换成13的吗 没拆封", ("dmcxh",), ("dhbk",)),
    Judged("这条裙子有没有S码 我平时穿S", (), ("atjcm",)),
    Judged("快递显示签收了 可我没收到 家里一直有人", ("clxbs",), ("cwsd",)),
]


def test_a_reply_judged_harmful_for_a_close_message_is_named_and_a_far_message_names_none():
    m = VerdictMemory.build(JUDGED)
    assert m.harmful_here("手机壳买错型号了 拍成14了 能换成13吗 没拆") == {"dmcxh"}
    assert m.harmful_here("这个保温杯能装开水吗") == set()
    assert m.harmful_here("") == set()


def test_a_sendable_verdict_of_any_close_message_keeps_the_reply():
    both = JUDGED + [Judged("手机壳买错型号了 拍成14 能换13吗", (), ("dmcxh",))]  # less close, still close
    assert VerdictMemory.build(JUDGED).harmful_here(JUDGED[0].message) == {"dmcxh"}
    assert VerdictMemory.build(both).harmful_here(JUDGED[0].message) == set()


def test_the_memory_survives_saving_and_a_broken_file_is_refused(tmp_path):
    m = VerdictMemory.build(JUDGED)
    path = tmp_path / "memory.npz"
    m.save(path)
    again = VerdictMemory.load(path)
    for j in JUDGED:
        assert again.harmful_here(j.message) == m.harmful_here(j.message)
    with np.load(path) as z:
        arrays = dict(z)
    arrays["post_entry"] = arrays["post_entry"] + 1000  # points past the messages
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)
    with pytest.raises(ValueError):
        VerdictMemory.load(path)
    path.write_bytes(b"not an npz")
    with pytest.raises(Exception):
        VerdictMemory.load(path)


def test_the_engine_leaves_out_a_reply_the_memory_names(db_file):
    message = "手机壳买错型号了 没拆封 能换吗"
    without = Engine(db_file, memory=None)
    try:
        codes = [r["code"] for r in without.suggest(Conversation.of(message, []), limit=8).replies]
    finally:
        without.close()
    assert codes, "the knowledge base offers replies for a wrong model bought"
    judged_top = codes[0]
    memory = VerdictMemory.build([Judged(message, (judged_top,), ())])
    eng = Engine(db_file, memory=memory)
    try:
        after = [r["code"] for r in eng.suggest(Conversation.of(message, []), limit=8).replies]
        other = [r["code"] for r in eng.suggest(Conversation.of("这个保温杯能装开水吗", []), limit=8).replies]
    finally:
        eng.close()
    assert judged_top not in after
    assert after == [c for c in codes if c != judged_top][: len(after)]
    # a message nobody judged keeps every reply
    plain = Engine(db_file, memory=None)
    try:
        assert other == [r["code"] for r in plain.suggest(Conversation.of("这个保温杯能装开水吗", []), limit=8).replies]
    finally:
        plain.close()


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_the_memory_is_built_from_the_tune_halves_and_never_from_validation(tmp_path):
    _write(tmp_path / "tune.jsonl", [{"id": "t-1", "message": "买错型号了 能换吗"}])
    _write(tmp_path / "tune2.jsonl", [{"id": "t2-1", "message": "签收了没收到"}])
    _write(tmp_path / "val.jsonl", [{"id": "v-1", "message": "发票怎么开"}])
    _write(tmp_path / "judged.jsonl", [
        {"id": "t-1", "answers": ["dhbk"], "harmful": ["dmcxh"], "neither": []},
        {"id": "t2-1", "answers": [], "harmful": ["clxbs"], "neither": []},
        {"id": "v-1", "answers": [], "harmful": ["bkp"], "neither": []},
    ])
    judged = train.memory_judged(tmp_path)
    assert [j.message for j in judged] == ["买错型号了 能换吗", "签收了没收到"]
    assert [j.message for j in train.memory_judged(tmp_path, before=2)] == ["买错型号了 能换吗"]
    m = train.train_memory(tmp_path)
    assert m.harmful_here("发票怎么开") == set()
    assert m.harmful_here("买错型号了 能换吗") == {"dmcxh"}


def test_the_shipped_memory_is_rebuilt_from_the_repo_by_the_training_command():
    shipped = VerdictMemory.load(default_model_path())
    rebuilt = train.train_memory()
    assert shipped.size == rebuilt.size > 5000
    assert shipped.vocab == rebuilt.vocab and shipped.codes == rebuilt.codes
    for name in ("post_ptr", "post_entry", "harm_ptr", "harm_code", "ok_ptr", "ok_code"):
        assert np.array_equal(getattr(shipped, name), getattr(rebuilt, name)), name
    assert np.allclose(shipped.post_w, rebuilt.post_w) and np.allclose(shipped.idf, rebuilt.idf, rtol=1e-6)
    val = [json.loads(line)["message"] for line in
           (train.SHOP_DIR / "val.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    judged = {j.message for j in train.memory_judged()}
    assert judged and not judged & set(val)


def test_the_record_counts_where_a_reply_was_judged_harmful_more_often_than_sendable(tmp_path):
    from assistant.memory import RECORD_SMOOTH

    judged = [Judged(f"第{i}位顾客的消息", ("bad",), ("good",) if i == 0 else ()) for i in range(4)]
    judged += [Judged(f"另外{i}句话", (), ("good", "bad")) for i in range(2)]
    m = VerdictMemory.build(judged)
    rec = m.record()
    # bad: harmful 4 times (the first four messages), sendable twice (the other two)
    assert rec["bad"] == pytest.approx(np.log((2 + RECORD_SMOOTH) / (4 + RECORD_SMOOTH)))
    assert "good" not in rec  # sendable 3, harmful 0: a good record lifts nothing
    m.save(tmp_path / "m.npz")
    assert VerdictMemory.load(tmp_path / "m.npz").record() == rec


def test_a_reply_with_a_harmful_record_scores_lower_everywhere_and_a_general_reply_does_not(db_file):
    asks, thanks = "这款面霜干皮能用吗 会不会搓泥", "好的 面霜收到了 谢谢"
    plain = Engine(db_file, memory=None)
    try:
        before = {m: {r["code"]: (r["score"], r["intent"]) for r in plain.suggest(Conversation.of(m, []), limit=8).replies}
                  for m in (asks, thanks)}
    finally:
        plain.close()
    answer = next(iter(before[asks]))
    closing = next(iter(before[thanks]))
    assert before[asks][answer][1] not in Engine.GENERAL_INTENTS and before[thanks][closing][1] in Engine.GENERAL_INTENTS
    # judged harmful on messages far from these two (so no close-message verdict leaves anything out)
    memory = VerdictMemory.build([Judged(f"快递第{i}天还没到 物流{i}号不动了", (answer, closing), ()) for i in range(6)])
    assert memory.harmful_here(asks) == memory.harmful_here(thanks) == set()
    assert memory.record()[answer] < 0 and memory.record()[closing] < 0
    eng = Engine(db_file, memory=memory)
    try:
        after = {m: {r["code"]: r["score"] for r in eng.suggest(Conversation.of(m, []), limit=8).replies}
                 for m in (asks, thanks)}
    finally:
        eng.close()
    lowered = before[asks][answer][0] + Engine.RECORD_WEIGHT * memory.record()[answer]
    assert after[asks][answer] == pytest.approx(lowered, abs=2e-3)
    assert after[asks][answer] < before[asks][answer][0] - 0.02
    # a closing reply's fit is the chat's state, not its topic: its record does not count
    assert after[thanks][closing] == pytest.approx(before[thanks][closing][0], abs=1e-3)
