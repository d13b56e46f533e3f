"""The learned reader: training is reproducible, the weights load, the Analyzer uses them."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant import train
from assistant.ranker import Ranker
from assistant.reader import Reader

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "written"
JUDGED = ROOT / "tests" / "data" / "judged.jsonl"


def _train_cli(out: Path) -> dict:
    res = subprocess.run([sys.executable, "-m", "assistant", "train", "--written", str(FIXTURE), "--no-pool",
                          "--judged", str(JUDGED), "--out", str(out), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_training_command_rebuilds_the_same_weights_from_a_small_fixture(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    report = _train_cli(a)
    assert report["examples"]["written"] == 31 and report["examples"]["trigger"] > 500
    _train_cli(b)
    ra, rb = Reader.load(a), Reader.load(b)
    for name in ("intent", "emotion", "urgent"):
        assert ra.models[name].vocab == rb.models[name].vocab
        assert np.array_equal(ra.models[name].W, rb.models[name].W)
    # the reply ranker is trained beside it, from the judged fixture, to the same weights each time
    assert report["ranker"]["lists"] == 12 and report["ranker"]["judged"] == {"judged-written": 12}
    ka, kb_ = Ranker.load(tmp_path / "a-ranker.json"), Ranker.load(tmp_path / "b-ranker.json")
    assert ka.weights == kb_.weights
    # what it learned: the fixture's own labels come back, and the urgency model says yes to a threat
    ex = {e.text: e for e in train.written_examples(FIXTURE)}
    cues = train.Cues()
    emo = ra.emotion.proba(train.example_features(ex["什么破服务 我要投诉"], cues))
    assert max(emo, key=emo.get) == "angry"
    assert ra.urgent.proba(train.example_features(ex["什么破服务 我要投诉"], cues))["yes"] > 0.5
    assert ra.urgent.proba(train.example_features(ex["能开发票吗"], cues))["yes"] < 0.5


def test_a_line_written_to_teach_a_feeling_teaches_no_intent(tmp_path):
    # data/written/para_emo2.jsonl: short turns whose need only their source's context told
    lines = [{"text": "那行吧 算了", "context": [], "intent": "complaint", "intent2": None, "emotion": "disappointed",
              "intensity": 0.3, "urgent": False, "feeling_only": True},
             {"text": "东西什么时候发", "context": [], "intent": "shipping_time", "intent2": None, "emotion": "calm",
              "intensity": 0, "urgent": False}]
    (tmp_path / "w.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    feeling, plain = train.written_examples(tmp_path)
    assert (feeling.intent, feeling.intent2, feeling.emotion, feeling.urgent) == (None, None, "disappointed", False)
    assert (plain.intent, plain.emotion) == ("shipping_time", "calm")
    # the intent model learns from the plain line only (as if the other were not there); the
    # emotion model learns from both
    both, alone = train.train_reader([feeling, plain]), train.train_reader([plain])
    assert both.intent.vocab == alone.intent.vocab and np.array_equal(both.intent.W, alone.intent.W)
    assert both.emotion.vocab != alone.emotion.vocab
    emo = both.emotion.proba(train.example_features(feeling, None))
    assert max(emo, key=emo.get) == "disappointed"


def test_shop_tune_halves_teach_feelings_and_the_ranker_and_validation_never_trains(tmp_path):
    # a written shop message teaches its emotion and urgency; its intent is left out
    row = {"id": "shopX-001", "source": "shop:taobao", "message": "都第五天了还不发货 今天不发我就退了",
           "context": [], "intent": "shipping_time", "emotion": "angry", "urgent": True, "entities": {}}
    (tmp_path / "tune.jsonl").write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "val.jsonl").write_text(json.dumps(row | {"id": "shopY-001"}, ensure_ascii=False), encoding="utf-8")
    [e] = train.shop_examples(tmp_path)
    assert (e.intent, e.emotion, e.urgent, e.source, e.id) == (None, "angry", True, "shop", "shopX-001")
    # the repo's own halves: only SHOP_TRAIN, never the validation half or the deciding halves
    shop_dir = ROOT / "data" / "shop"
    ids = {e.id for e in train.training_examples(use_pool=False) if e.source == "shop"}
    assert ids and all(e_id.startswith(("shop", "tune")) for e_id in ids)
    # every built half outside SHOP_TRAIN: the validation half and each later tune half as it is written
    held_out = sorted({f.stem for f in shop_dir.glob("*.jsonl") if f.stem == "val" or f.stem.startswith("tune")}
                      - set(train.SHOP_TRAIN))
    assert {"val", "tune9", "tune15"} <= set(held_out)
    for half in held_out:
        held = {json.loads(line)["id"] for line in (shop_dir / f"{half}.jsonl").read_text(encoding="utf-8").splitlines()}
        assert held and not held & ids
    assert train.training_examples(use_pool=False, shop_dir=None) == [
        e for e in train.training_examples(use_pool=False) if e.source != "shop"]
    # the ranker learns from the same halves' verdicts (those with a sendable reply), never the others'
    (tmp_path / "judged.jsonl").write_text("\n".join(json.dumps(r) for r in (
        {"id": "shopX-001", "answers": ["abc"], "harmful": ["xyz"], "neither": []},
        {"id": "shopY-001", "answers": ["abc"], "harmful": [], "neither": []})), encoding="utf-8")
    [j] = train.judged_examples(written=None, use_pool=False, shop_dir=tmp_path)
    assert (j.example.id, j.answers, j.harmful) == ("shopX-001", ["abc"], ["xyz"])
    judged_ids = {j.example.id for j in train.judged_examples(written=None, use_pool=False, shop_dir=shop_dir)}
    assert judged_ids and judged_ids <= ids


def test_context_features_carry_a_short_follow_up(tmp_path):
    reader = train.train_reader(train.written_examples(FIXTURE) + train.trigger_examples())
    cues = train.Cues()
    follow = train.Example("还没到", context=[("customer", "我的快递到哪了"), ("agent", "亲 在路上了哦")])
    p = reader.intent.proba(train.example_features(follow, cues))
    assert max(p, key=p.get) == "logistics"


def test_engine_reads_with_given_weights(tmp_path, db_file):
    from assistant.engine import Conversation, Engine

    reader = train.train_reader(train.written_examples(FIXTURE) + train.trigger_examples())
    eng = Engine(db_file, reader=reader)
    s = eng.suggest(Conversation.of("什么破服务 我要投诉你们"))
    assert s.analysis.emotion == "angry" and s.analysis.urgent
    assert s.analysis.intent == "complaint"
    cues_only = Engine(db_file, reader=None)
    assert cues_only.analyzer.reader is None and cues_only.suggest("能开发票吗").analysis.intent == "invoice"


def test_the_shipped_weights_load_and_name_every_intent():
    from assistant.kb import load_spec_intents
    from assistant.paths import kb_resources_dir

    r = Reader.load()
    assert set(r.intent.classes) == {i["id"] for i in load_spec_intents(kb_resources_dir())}
    assert r.emotion.classes == train.EMOTIONS and r.urgent.classes == ["no", "yes"]
    assert r.meta["seed"] == train.SEED


def test_cross_validation_keeps_groups_apart_and_scores_every_fold():
    examples = train.written_examples(FIXTURE)
    res = train.cross_validate(examples, k=3)
    assert res["k"] == 3 and len(res["folds"]) == 3
    assert sum(f["n"] for f in res["folds"]) == len(examples)  # every written example scored once
    for key in ("intent_acc", "emotion_macro_f1", "urgent_f1"):
        assert 0.0 <= res["mean"][key] <= 1.0


def test_eval_reads_pool_labels_by_id_and_reports_per_source(tmp_path, db_file):
    """Labels are stored by pool id; `kefu eval --pool` joins them with the pool's text."""
    if not train.POOL_FILE.exists():
        pytest.skip("../shared/corpus/pool.jsonl is not beside the checkout")
    from assistant.engine import Engine
    from assistant.evaluate import evaluate, format_report, pool_items

    labels = train.read_labels()
    assert all("message" not in r for r in labels.values())  # no message text in the repo
    items = pool_items("val")
    assert len(items) >= 800 and all(i["message"] for i in items)
    judged = [i for i in items if "answers" in i]
    assert len(judged) >= 150  # the judged replies join by id too
    sample = items[:120] + judged[:30]
    res = evaluate(Engine(db_file), sample, report=True)
    assert set(res["per_source"]) <= {"jddc_chat", "jddc_pairs", "ntcir_dch"} and res["per_intent"]
    assert sum(r["n"] for r in res["per_intent"].values()) == 150
    assert res["judged"] == sum(r.get("judged", 0) for r in res["per_source"].values()) >= 30
    text = format_report(res)
    assert "per source:" in text and "answer@1=" in text and "confusions" in text


@pytest.mark.slow
def test_the_shipped_weights_are_what_kefu_train_builds_from_the_repo(tmp_path):
    """One command rebuilds the shipped model from files in the repo (and ../shared's NTCIR turns)."""
    if not train.POOL_FILE.exists():
        pytest.skip("../shared/corpus/pool.jsonl is not beside the checkout")
    out = tmp_path / "rebuilt.npz"
    res = subprocess.run([sys.executable, "-m", "assistant", "train", "--out", str(out), "--json"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    shipped, rebuilt = Reader.load(), Reader.load(out)
    assert rebuilt.meta["examples"] == shipped.meta["examples"]
    for name, m in shipped.models.items():
        assert rebuilt.models[name].vocab == m.vocab, name
        assert np.array_equal(rebuilt.models[name].W, m.W), name
    shipped_rk, rebuilt_rk = Ranker.load(), Ranker.load(tmp_path / "rebuilt-ranker.json")
    assert rebuilt_rk.meta == shipped_rk.meta
    assert rebuilt_rk.weights == shipped_rk.weights
    # the model that picks the goods of a post, from the NTCIR turns, to the same weights
    from assistant import mentions
    shipped_m, rebuilt_m = mentions.MentionModel.load(), mentions.MentionModel.load(tmp_path / "rebuilt-mention.json")
    assert rebuilt_m.meta == shipped_m.meta and rebuilt_m.threshold == shipped_m.threshold
    assert {k: round(v, 6) for k, v in rebuilt_m.weights.items()} == shipped_m.weights


def test_phrasings_added_after_training_teach_no_model(tmp_path):
    """A reply's ``late_triggers`` stay out of `kefu train` (the reader's examples and the
    knowledge the ranker is fitted on), so adding them moves no other reply; the knowledge the
    engine runs on has them, so they find their reply."""
    import shutil
    import sqlite3

    import yaml

    from assistant import kb, paths

    src = paths.kb_resources_dir()
    late = [(f.name, item) for f in sorted((src / "replies").glob("*.yaml"))
            for item in (yaml.safe_load(f.read_text(encoding="utf-8")).get("replies") or []) if item.get("late_triggers")]
    assert late, "the shipped knowledge has a reply with late_triggers"
    # the same knowledge with them deleted: what the models must see either way
    bare = tmp_path / "bare"
    shutil.copytree(src, bare)
    for name in {n for n, _ in late}:
        doc = yaml.safe_load((bare / "replies" / name).read_text(encoding="utf-8"))
        for item in doc["replies"]:
            item.pop("late_triggers", None)
        (bare / "replies" / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")

    assert [(e.text, e.intent) for e in train.trigger_examples(src)] == \
        [(e.text, e.intent) for e in train.trigger_examples(bare)]
    judged = train.judged_examples(written=JUDGED, use_pool=False)
    assert train.train_ranker(None, judged, kb_dir=src).weights == train.train_ranker(None, judged, kb_dir=bare).weights

    phrase, code = str(late[0][1]["late_triggers"][0]), late[0][1]["code"]
    for for_training, expected in ((False, 1), (True, 0)):
        db_file = tmp_path / f"kb-{for_training}.db"
        kb.build(db_file, src, backup_first=False, for_training=for_training)
        with sqlite3.connect(db_file) as conn:
            found = conn.execute("SELECT count(*) FROM triggers t JOIN replies r ON r.id = t.reply_id "
                                 "WHERE t.text = ? AND r.code = ?", (phrase, code)).fetchone()[0]
        assert found == expected, for_training


def test_late_triggers_must_be_a_list_of_phrasings(tmp_path):
    import shutil

    from assistant import kb, paths
    from assistant.db import KBError

    dest = tmp_path / "kb"
    shutil.copytree(paths.kb_resources_dir(), dest)
    f = dest / "replies" / "stock.yaml"
    text = f.read_text(encoding="utf-8")
    start = text.index("    late_triggers:")
    f.write_text(text[:start] + "    late_triggers: 黑色L码还有货吗\n", encoding="utf-8")
    with pytest.raises(KBError, match="late_triggers"):
        kb.read_resources(dest)


def _plain_fit(X, y, n_classes, weights, *, l2, epochs, batch=128, lr=0.05, seed=train.SEED, average_from=0.5):
    """fit_softmax as first written (np.add.at, new arrays each step): the reference it must match bit for bit."""
    rng = np.random.default_rng(seed)
    V = int(X.cols.max()) + 1
    W = np.zeros((V, n_classes), np.float32)
    b = np.zeros(n_classes, np.float32)
    mW, vW, mb, vb = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    wsum = float(weights.sum())
    steps = epochs * max(1, -(-X.n // batch))
    avg_W, avg_b, n_avg = np.zeros_like(W), np.zeros_like(b), 0
    for epoch in range(epochs):
        order = rng.permutation(X.n)
        for s in range(0, X.n, batch):
            idx = order[s:s + batch]
            pos, cols, vals = train._rows(X, idx)
            Z = np.zeros((len(idx), n_classes), np.float32)
            np.add.at(Z, pos, vals[:, None] * W[cols])
            Z += b
            Z -= Z.max(axis=1, keepdims=True)
            P = np.exp(Z)
            P /= P.sum(axis=1, keepdims=True)
            P[np.arange(len(idx)), y[idx]] -= 1.0
            D = P * (weights[idx][:, None] * (X.n / wsum))
            G = np.zeros_like(W)
            np.add.at(G, cols, vals[:, None] * D[pos])
            G /= len(idx)
            G += l2 * W
            gb = D.mean(axis=0)
            t += 1
            mW = b1 * mW + (1 - b1) * G
            vW = b2 * vW + (1 - b2) * G * G
            mb = b1 * mb + (1 - b1) * gb
            vb = b2 * vb + (1 - b2) * gb * gb
            corr = np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            step = lr * (1.0 - 0.9 * t / steps)
            W -= step * corr * mW / (np.sqrt(vW) + eps)
            b -= step * corr * mb / (np.sqrt(vb) + eps)
        if epoch + 1 > epochs * average_from:
            avg_W += W
            avg_b += b
            n_avg += 1
    return avg_W / n_avg, avg_b / n_avg


@pytest.mark.parametrize("threads", [False, True])
def test_the_fast_fit_gives_the_plain_fits_weights_bit_for_bit(monkeypatch, threads):
    """The in-place, two-thread fit is only faster: on features shared by many rows (so the sparse
    sums add several terms per weight, where the order of additions shows) it returns the very
    floats of the plain definition."""
    rng = np.random.default_rng(7)
    feats = [{f"f{int(k)}": float(v) for k, v in zip(rng.zipf(1.5, 12) % 300, rng.random(12) + 0.5)}
             for _ in range(700)]
    vocab = {f"f{i}": i for i in range(300)}
    X = train.design(feats, vocab)
    y = rng.integers(0, 5, X.n)
    w = (rng.random(X.n) + 0.5).astype(np.float32)
    monkeypatch.setattr(train, "_THREAD_FROM", 0 if threads else 10 ** 12)
    W, b = train.fit_softmax(X, y, 5, w, l2=3e-4, epochs=4, n_features=300)
    W0, b0 = _plain_fit(X, y, 5, w, l2=3e-4, epochs=4)
    assert np.abs(W0).max() > 0.05  # it learned something
    assert np.array_equal(W, W0) and np.array_equal(b, b0)


def test_segment_sums_add_in_the_order_np_add_at_does():
    rng = np.random.default_rng(3)
    for n in (1, 7, 40):
        seg = rng.integers(0, n, 900)  # unsorted, with repeats
        rows = (rng.standard_normal((900, 6)) * 10 ** rng.uniform(-3, 3, (900, 1))).astype(np.float32)
        ref = np.zeros((n, 6), np.float32)
        np.add.at(ref, seg, rows)
        assert np.array_equal(train._segment_sums(rows, seg, n), ref)
    assert train._segment_sums(np.zeros((0, 6), np.float32), np.zeros(0, np.int64), 3).shape == (3, 6)
