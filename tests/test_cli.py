"""The `kefu` command as a user runs it: a real subprocess, a real database in a temp dir."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kefu(*args, home: Path, stdin: bytes | None = None, check=True):
    env = dict(os.environ, KEFU_HOME=str(home), PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, timeout=120)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    if check:
        assert proc.returncode == 0, err
    return proc.returncode, out, err


def test_suggest_json_is_stable_and_parseable(db_file, kefu_home):
    _, out, _ = kefu("suggest", "衣服尺码偏大还是偏小 我160 100斤", "--json", home=kefu_home)
    d = json.loads(out)
    assert d["analysis"]["intent"] == "size_fit"
    assert d["analysis"]["entities"]["size"] == "100斤"  # a height with a weight: the weight, as labellers mark it
    assert 2 <= len(d["replies"]) <= 5 and all(r["intent"] for r in d["replies"])
    # no answer is sure: the 先回复 line stands above them, and they are sure enough to stay in view
    assert d["hold"]["filled"].startswith("亲，收到") and d["folded"] is False


def test_suggest_uses_context_turns(db_file, kefu_home):
    _, out, _ = kefu("suggest", "还没到", "--context", "customer:我买的耳机到哪了",
                     "--context", "agent:亲 帮您查一下", "--json", home=kefu_home)
    assert json.loads(out)["analysis"]["intent"] == "logistics"


def test_human_output_is_readable_chinese(db_file, kefu_home):
    _, out, _ = kefu("suggest", "杯子碎了 怎么办", home=kefu_home)
    assert "意图：" in out and "推荐话术" in out and "处理流程" in out and "用时" in out


def test_binary_stdin_message_is_refused_kindly(db_file, kefu_home):
    code, out, err = kefu("suggest", "-", "--json", home=kefu_home, stdin=bytes(range(256)) * 100)
    d = json.loads(out)
    assert d["replies"] == [] and d["warnings"]
    assert "Traceback" not in err


def test_kb_build_and_stats_from_scratch(kefu_home):
    _, out, _ = kefu("kb", "build", "--json", home=kefu_home)
    d = json.loads(out)
    assert d["built"] and d["replies"] >= 250
    _, out, _ = kefu("kb", "build", "--if-stale", "--json", home=kefu_home)
    assert json.loads(out)["built"] is False
    _, out, _ = kefu("kb", "stats", "--json", home=kefu_home)
    assert json.loads(out)["intents_covered"] == 30


def test_missing_database_is_built_on_first_use(kefu_home):
    assert not (kefu_home / "knowledge.db").exists()
    _, out, _ = kefu("search", "/dthlc", "--json", home=kefu_home)
    assert json.loads(out)[0]["code"] == "dthlc"
    assert (kefu_home / "knowledge.db").exists()


def test_check_exit_code_tells_whether_the_draft_is_clean(db_file, kefu_home):
    code, out, _ = kefu("check", "好评返现哦 亲", home=kefu_home, check=False)
    assert code == 1 and "好评返现" in out
    code, out, _ = kefu("check", "亲，已经帮您备注好了", home=kefu_home, check=False)
    assert code == 0 and "没有发现违禁词" in out


def test_corrupt_database_is_reported_without_traceback(kefu_home):
    (kefu_home / "knowledge.db").write_bytes(b"garbage" * 1000)
    code, out, err = kefu("kb", "stats", home=kefu_home, check=False)
    # stats on a corrupt file: it is stale-checked, found unreadable, backed up and rebuilt,
    # or reported; either way no traceback and the original bytes are kept in backups/
    assert "Traceback" not in err
    assert list((kefu_home / "backups").glob("*.db")) or "损坏" in err


def test_eval_prints_all_metrics(db_file, kefu_home, tmp_path):
    data = tmp_path / "mini.jsonl"
    rows = [
        {"id": "a", "message": "发什么快递", "context": [], "intent": "shipping_method", "emotion": "calm",
         "urgent": False, "entities": {}},
        {"id": "b", "message": "气死了 我要投诉", "context": [], "intent": "complaint", "emotion": "angry",
         "urgent": True, "entities": {}},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    _, out, _ = kefu("eval", str(data), "--json", home=kefu_home)
    d = json.loads(out)
    assert set(d) >= {"n", "intent_acc", "reply_hit@1", "reply_hit@3", "mrr", "emotion_macro_f1",
                      "urgent_f1", "entity_f1", "p95_ms"}
    assert d["n"] == 2 and d["intent_acc"] == 1.0 and d["urgent_f1"] == 1.0


def test_eval_joins_judged_replies_by_id_and_scores_the_top_reply(db_file, kefu_home, tmp_path):
    data, judged = tmp_path / "shop.jsonl", tmp_path / "judged.jsonl"
    rows = [
        {"id": "s1", "message": "发什么快递", "context": [], "intent": "shipping_method", "emotion": "calm",
         "urgent": False, "entities": {}},
        {"id": "s2", "message": "气死了 我要投诉", "context": [], "intent": "complaint", "emotion": "angry",
         "urgent": True, "entities": {}},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    tops = []
    for r in rows:
        _, out, _ = kefu("suggest", r["message"], "--json", home=kefu_home)
        tops.append(json.loads(out)["replies"][0]["code"])
    # the first top judged sendable, the second harmful; an id nobody labelled is ignored
    verdicts = [{"id": "s1", "answers": [tops[0]], "harmful": []},
                {"id": "s2", "answers": [], "harmful": [tops[1]]},
                {"id": "elsewhere", "answers": [tops[1]]}]
    judged.write_text("\n".join(json.dumps(v) for v in verdicts), encoding="utf-8")
    _, out, _ = kefu("eval", str(data), "--judged", str(judged), "--json", home=kefu_home)
    d = json.loads(out)
    assert d["judged"] == 2 and d["answer@1"] == 0.5 and d["harmful@1"] == 1
    _, out, _ = kefu("eval", str(data), "--json", home=kefu_home)
    assert "answer@1" not in json.loads(out)


def test_eval_on_malformed_file_says_which_line(db_file, kefu_home, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"message": "x", "intent": "other"}\n{not json\n', encoding="utf-8")
    code, _, err = kefu("eval", str(bad), home=kefu_home, check=False)
    assert code == 2 and ":2:" in err and "Traceback" not in err


def test_suggest_ranks_with_the_learned_prior_like_the_sidebar(db_file, kefu_home, capsys):
    from assistant import cli
    from assistant.usage import UsageLog

    def ranked(message):
        assert cli.main(["--db", str(db_file), "suggest", message, "--json"]) == 0
        return [(r["id"], r["intent"]) for r in json.loads(capsys.readouterr().out)["replies"]]

    before = ranked("请问能装热水吗")
    # the agent prefers a sibling of the top reply (same intent, lower in the list)
    rank, favourite = next((i + 1, rid) for i, (rid, intent) in enumerate(before[1:], 1) if intent == before[0][1])
    with UsageLog(db_file) as log:  # … and picked and sent it five times
        for m in ("你好，这个杯子能装热水吗", "杯子可以装开水吗", "这个能装热水吗", "能装开水不", "装热水可以吗"):
            msg = log.received(m, intent="product_info")
            log.picked(msg, favourite, rank=rank)
            log.sent(msg, favourite, "…")
    assert ranked("请问能装热水吗")[0][0] == favourite


def test_suggest_says_when_the_sidebar_folds_its_answers_unless_folding_is_off(db_file, kefu_home, capsys,
                                                                             monkeypatch):
    """The same setting (设置 → 没有把握的答案先收起) decides in the CLI and the sidebar."""
    from assistant import cli
    from assistant.engine import Engine

    monkeypatch.setattr(Engine, "HOLD_BELOW", 10.0)  # every order question is unsure …
    monkeypatch.setattr(Engine, "FOLD_BELOW", 10.0)  # … and folded

    def shown(*extra):
        assert cli.main(["--db", str(db_file), "suggest", "买的东西有问题", *extra]) == 0
        return capsys.readouterr().out

    assert json.loads(shown("--json"))["folded"] is True
    out = shown()
    assert "先回复（0）" in out and "先收起，按 G 展开" in out and " 1. " in out  # listed, marked
    (kefu_home / "settings.json").write_text(json.dumps({"fold_unsure": False}), encoding="utf-8")
    out = shown()
    assert "先回复（0）" in out and "收起" not in out and " 1. " in out


def test_suggest_fills_the_shop_profile_from_settings_like_the_sidebar(db_file, kefu_home):
    """The shop name, agent name and courier set in 设置 (settings.json) fill replies in the CLI too."""
    (kefu_home / "settings.json").write_text(json.dumps(
        {"shop_name": "小鹿家居", "agent_name": "阿青", "courier": "顺丰"}, ensure_ascii=False), encoding="utf-8")
    _, out, _ = kefu("suggest", "显示签收了但是我没收到", "--json", home=kefu_home)
    filled = [r["filled"] for r in json.loads(out)["replies"]]
    assert any("找顺丰调签收记录" in f for f in filled), filled
    assert not any("找快递调签收记录" in f for f in filled)
    _, out, _ = kefu("suggest", "是正品吗", "--json", home=kefu_home)
    assert any("小鹿家居的商品" in r["filled"] for r in json.loads(out)["replies"])


def test_suggest_with_a_broken_settings_file_uses_the_defaults_and_leaves_the_file(db_file, kefu_home):
    bad = kefu_home / "settings.json"
    bad.write_text("{not json", encoding="utf-8")
    _, out, _ = kefu("suggest", "显示签收了但是我没收到", "--json", home=kefu_home)
    assert any("找快递调签收记录" in r["filled"] for r in json.loads(out)["replies"])
    assert bad.read_text(encoding="utf-8") == "{not json"  # the sidebar moves it aside, with a message
