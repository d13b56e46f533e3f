"""`kefu learn-simulate`, `kefu learn-replay`, `kefu stats`, `kefu usage` as a user runs them."""
import json
import os
import subprocess
import sys
from pathlib import Path

from assistant.db import connect
from assistant.replay import read_jsonl, replay, simulate
from usage_data import fill_usage_log

ROOT = Path(__file__).resolve().parent.parent


def kefu(*args, home: Path, check=True):
    env = dict(os.environ, KEFU_HOME=str(home), PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=300)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    if check:
        assert proc.returncode == 0, err
    return proc.returncode, out, err


def test_replay_of_simulated_picks_lifts_the_preferred_reply_by_30_points(db_file, kefu_home, tmp_path):
    sim = tmp_path / "sim.jsonl"
    _, out, _ = kefu("learn-simulate", str(sim), home=kefu_home)
    assert "240" in out
    rows = read_jsonl(sim)
    learn = [r for r in rows if r["split"] == "learn"]
    test = [r for r in rows if r["split"] == "test"]
    assert len(learn) >= 200 and len(test) >= 100
    assert {r["intent"] for r in test} == {r["intent"] for r in learn}
    assert not {r["message"] for r in test} & {r["message"] for r in learn}
    # the preferred reply is not what the engine puts first by default
    assert all(r["chosen_id"] != r["default_first_id"] for r in test)
    _, out, _ = kefu("learn-replay", str(sim), "--json", home=kefu_home)
    res = json.loads(out)
    assert res["n_learn"] == len(learn) and res["n_test"] == len(test) and res["skipped"] == 0
    assert res["top1_lift_points"] >= 30
    assert res["after"]["top1"] - res["before"]["top1"] >= 0.30
    assert res["after"]["mrr"] > res["before"]["mrr"]
    _, human, _ = kefu("learn-replay", str(sim), home=kefu_home)
    assert "所选话术排第一" in human and "MRR" in human
    (kefu_home / "figures.json").write_text(out, encoding="utf-8")


def test_simulation_is_reproducible_and_replay_leaves_no_trace(engine, db_file):
    a = simulate(engine, picks=60, intents=3, test_per_intent=5, seed=11)
    b = simulate(engine, picks=60, intents=3, test_per_intent=5, seed=11)
    assert a == b
    res = replay(engine, a)
    assert res["n_learn"] == 60 and res["n_test"] == 15
    assert engine.usage_prior is None and "suggest" not in engine.__dict__
    conn = connect(db_file)
    assert conn.execute("SELECT count(*) FROM usage_events").fetchone()[0] == 0  # nothing logged
    conn.close()


def test_stats_cli_json_human_and_export(engine, db_file, kefu_home, tmp_path):
    counts = fill_usage_log(engine, db_file, days=3, per_day=15)
    _, out, _ = kefu("stats", "--json", "--since", "7d", home=kefu_home)
    rep = json.loads(out)
    assert rep["messages"] == counts["messages"]
    assert {"top_replies", "unused", "intents", "response", "gaps"} <= set(rep)
    _, out, _ = kefu("stats", "--since", "all", "--export", str(tmp_path / "周报.xlsx"), home=kefu_home)
    assert "常用话术" in out and "知识缺口" in out and "已导出" in out
    assert (tmp_path / "周报.xlsx").stat().st_size > 0
    code, _, err = kefu("stats", "--since", "yesterday-ish", home=kefu_home, check=False)
    assert code == 2 and "时间范围" in err and "Traceback" not in err


def test_usage_export_clear_and_variants(engine, db_file, kefu_home, tmp_path):
    fill_usage_log(engine, db_file, days=1, per_day=8)
    _, out, _ = kefu("usage", "export", str(tmp_path / "log.csv"), home=kefu_home)
    assert "已导出" in out and (tmp_path / "log.csv").read_text(encoding="utf-8-sig").startswith("时间")
    code, _, err = kefu("usage", "clear", home=kefu_home, check=False)
    assert code == 1 and "--yes" in err
    conn = connect(db_file)
    assert conn.execute("SELECT count(*) FROM usage_events").fetchone()[0] > 0
    _, out, _ = kefu("usage", "clear", "--yes", home=kefu_home)
    assert conn.execute("SELECT count(*) FROM usage_events").fetchone()[0] == 0
    conn.close()
    _, out, _ = kefu("usage", "variants", "--json", home=kefu_home)
    assert json.loads(out) == []
