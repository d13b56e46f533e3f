"""The learned reply ranker: it learns from judged conversations, loads safely, and ships rebuilt."""
import json
import logging

import numpy as np
import pytest

from assistant import ranker, train
from assistant.engine import Conversation, Engine
from assistant.ranker import FEATURES, Ranker

from tests.test_reader import ROOT

JUDGED_FIXTURE = ROOT / "tests" / "data" / "judged.jsonl"


def _judged(path=JUDGED_FIXTURE):
    return train.judged_examples(written=path, use_pool=False)


def _top(eng: Engine, message: str, context=()) -> str:
    ctx = [{"role": "customer" if t.startswith("客") else "agent", "text": t[3:]} for t in context]
    r = eng.suggest(Conversation.of(message, ctx)).replies[0]
    return "still-checking" if r["code"] == "eqcjd" else "closing" if r["intent"] == "thanks_bye" else r["intent"]


# messages the fixture does not contain: acknowledgements (a short confirmation or closing, not a
# topic reply) and "any news?" while the agent is looking something up (还在帮您确认)
HELD_OUT = [
    ("好 明白了", ["客: 快递怎么还没到", "服: 亲 我帮您催一下快递哦"], "closing"),
    ("嗯嗯 行", ["客: 发票能开吗", "服: 可以的亲 下单后开"], "closing"),
    ("有消息了吗", ["客: 维修的手机什么时候能好", "服: 亲 我问一下维修那边"], "still-checking"),
]


def _ranked_only(eng: Engine) -> Engine:
    """The rules that put a tagged reply first (a plain 好的 for an agreement, 报进度 for a chase …)
    off: what comes first is what the ranker chose."""
    eng.AGREE_FIRST = eng.CHASE_FIRST = eng.PRAISE_FIRST = eng.STILL_THERE_FIRST = False
    eng.APOLOGY_FIRST_AT = None
    return eng


def test_the_ranker_learns_what_agents_judged_sendable(db_file):
    """Hand weights answer an acknowledgement or an "any news?" with a topic reply; after training
    on 12 judged conversations the short confirmation and the progress reply come first (the
    rules that put a tagged reply first are off: this is what the ranker learns)."""
    hand = _ranked_only(Engine(db_file, ranker=None))
    assert [_top(hand, m, c) for m, c, _ in HELD_OUT] == ["logistics", "invoice", "warranty"]
    learned = train.train_ranker(hand.reader, _judged(), train.RankParams(epochs=200))
    assert learned.meta["lists"] == 12
    assert learned.weights["general"] > 0
    eng = _ranked_only(Engine(db_file, ranker=learned))
    assert [_top(eng, m, c) for m, c, _ in HELD_OUT] == [want for _, _, want in HELD_OUT]


def test_judged_conversations_without_a_sendable_candidate_teach_nothing(db_file, tmp_path):
    f = tmp_path / "judged.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"text": "我的快递到哪了", "context": [], "answers": ["no-such-code"], "harmful": []},
        {"text": "能开发票吗", "context": [], "answers": [], "harmful": []},
        {"text": "嗯嗯 好的", "context": ["客: 能开发票吗", "服: 可以的亲"], "answers": ["ejok"], "harmful": []},
    ]), encoding="utf-8")
    judged = _judged(f)
    assert len(judged) == 2  # the one without any acceptable reply is not read
    eng = Engine(db_file, ranker=None)
    lists = train.ranker_lists(eng, judged)
    assert len(lists) == 1
    X, ok, harm = lists[0]
    assert X.shape[1] == len(FEATURES) and ok.sum() == 1 and not harm.any()


def _lists():
    """Two candidates per message: the first is closer in wording (sim), the second is judged
    harmful in half the messages and acceptable in none; the third is always acceptable."""
    out = []
    rng = np.random.default_rng(0)
    for i in range(40):
        rows = [{"sim": 0.9, "p": 0.5}, {"sim": 0.2 + 0.1 * rng.random(), "general": 1.0}, {"p": 0.6, "top": 1.0}]
        out.append((ranker.matrix(rows), np.array([0.0, 0.0, 1.0]), np.array([False, i % 2 == 0, False])))
    return out


def test_fit_puts_the_acceptable_candidate_first_and_pushes_the_harmful_down():
    lists = _lists()
    w = ranker.fit(lists, epochs=300)
    r = Ranker(w)
    for X, ok, _ in lists:
        assert int(np.argmax(r.scores(X))) == int(np.argmax(ok))
    softer = ranker.fit(lists, epochs=300, harm_weight=0.0)
    assert w["general"] < softer["general"]  # the harmful mark costs the feature it carries
    assert ranker.fit(lists, epochs=300) == w  # the same weights on every run


def test_ranker_file_round_trips_and_bad_files_are_refused(tmp_path):
    r = Ranker({f: i / 10 for i, f in enumerate(FEATURES)}, {"lists": 3})
    path = tmp_path / "ranker.json"
    r.save(path)
    back = Ranker.load(path)
    assert back.weights == pytest.approx(r.weights) and back.meta == {"lists": 3}
    data = json.loads(path.read_text(encoding="utf-8"))
    data["weights"]["made_up"] = 1.0
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="made_up"):
        Ranker.load(path)
    path.write_text('{"weights": {"p": NaN}}', encoding="utf-8")
    with pytest.raises(ValueError):
        Ranker.load(path)


def test_an_unreadable_shipped_ranker_falls_back_to_hand_weights(db_file, monkeypatch, tmp_path, caplog):
    bad = tmp_path / "ranker.json"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(ranker, "default_model_path", lambda: bad)
    with caplog.at_level(logging.WARNING):
        eng = Engine(db_file)
    assert eng.ranker is None and "ranking with hand weights" in caplog.text
    s = eng.suggest("我的快递到哪了")
    assert s.replies and s.replies[0]["intent"] == "logistics"


def test_the_shipped_ranker_loads_and_knows_every_feature():
    r = Ranker.load()
    assert set(r.weights) == set(FEATURES)
    assert r.meta["lists"] > 300


def test_a_reply_added_after_training_does_not_raise_the_bar_for_the_others(db_file):
    """Replies whose phrasings are all ``late_triggers`` are compared with the other candidates
    but do not set the closeness bar (sim_best, lex_best, sim_gap) the ranker learned without
    them: a close new reply must not push every old one down."""
    rows = {1: {"intent": "stock"}, 2: {"intent": "stock"}, 3: {"intent": "stock"}}

    def feats(with_late: bool):
        f = [(1, {"sim": 0.6, "lex": 0.5}), (2, {"sim": 0.3, "lex": 0.9})]
        if with_late:
            f.append((3, {"sim": 0.95, "lex": 1.0}))
        return f

    alone, beside = feats(False), feats(True)
    ranker.add_relative(alone, rows)
    ranker.add_relative(beside, rows, frozenset({3}))
    assert [f for _, f in alone] == [f for _, f in beside[:2]]
    late = beside[2][1]
    assert (late["sim_best"], late["lex_best"], late["sim_gap"]) == (1.0, 1.0, 0.0)
    # without the mark it does raise the bar: the old replies lose their "closest" features
    unmarked = feats(True)
    ranker.add_relative(unmarked, rows)
    assert unmarked[0][1]["sim_best"] == 0.0 and unmarked[0][1]["sim_gap"] > alone[0][1]["sim_gap"]

    # the engine marks exactly the replies with late phrasings only
    eng = Engine(db_file)
    try:
        codes = {r[0]: r[1] for r in eng.conn.execute("SELECT id, code FROM replies")}
        late_codes = {codes[i] for i in eng._late_ids}
        shipped = {r[0] for r in eng.conn.execute(
            "SELECT DISTINCT r.code FROM triggers t JOIN replies r ON r.id = t.reply_id WHERE t.kind = 'late'")}
        assert late_codes and late_codes == shipped
        taught = eng.conn.execute("SELECT reply_id FROM triggers WHERE kind = 'trigger' AND reply_id IS NOT NULL "
                                  "LIMIT 1").fetchone()[0]
        assert taught not in eng._late_ids
    finally:
        eng.close()
