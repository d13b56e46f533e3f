"""`kefu bench` on a small synthetic library: the report has every figure the issue asks for,
and the synthetic library is varied text, not copies."""
import json
import os
import subprocess
import sys
from pathlib import Path

from assistant import bench, synth

ROOT = Path(__file__).resolve().parent.parent


def test_synthetic_library_is_varied(tmp_path):
    data = synth.synth_resources(3000)
    replies = [r for d in data["replies"] for r in d["replies"]]
    assert len(replies) == 3000
    texts = [r["text"] for r in replies]
    triggers = [t for r in replies for t in r["triggers"]]
    assert len(set(texts)) / len(texts) > 0.9
    assert len(set(triggers)) / len(triggers) > 0.9
    assert {d["intent"] for d in data["replies"]} >= {"refund", "size_fit", "logistics"}


def test_bench_cli_reports_every_figure(kefu_home, tmp_path):
    out = tmp_path / "bench.json"
    readme = tmp_path / "README.md"
    readme.write_text("# 速度\n<!-- bench:start -->\n旧表格\n<!-- bench:end -->\n后文\n", encoding="utf-8")
    env = dict(os.environ, KEFU_HOME=str(kefu_home))
    proc = subprocess.run([sys.executable, "-m", "assistant", "bench", "--sizes", "400", "--json", "--out", str(out),
                           "--readme", str(readme)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert json.loads(out.read_text(encoding="utf-8")) == report
    (r,) = report["results"]
    assert r["size"] == 400 and r["build_s"] > 0 and r["peak_rss_mb"] > 0
    for key in ("p50", "p95", "p99"):
        assert r["suggest_ms"][key] > 0
    assert r["search_as_you_type_ms"]["n"] == sum(len(s) for s in bench.SEARCH_TYPED)
    assert r["cold_start_ms"]["process"] >= r["cold_start_ms"]["import_to_first_suggestion"] > 0
    assert r["baselines"]["rapidfuzz_wratio_scan"]["query_ms"]["p95"] > 0
    assert r["baselines"]["rank_bm25_jieba"]["query_ms"]["p95"] > 0
    assert set(r["speedup_p95"]) == {"rapidfuzz_wratio_scan", "rank_bm25_jieba"}
    assert "| 400 |" in bench.table(report)
    doc = readme.read_text(encoding="utf-8")  # the README's table is the run's, the rest untouched
    assert "旧表格" not in doc and bench.table(report) in doc
    assert doc.startswith("# 速度\n<!-- bench:start -->") and doc.endswith("<!-- bench:end -->\n后文\n")
    readme.write_text("没有标记", encoding="utf-8")
    assert not bench.update_readme(readme, report) and readme.read_text(encoding="utf-8") == "没有标记"


def test_bench_without_rank_bm25_reports_the_baseline_as_skipped(kefu_home):
    """rank_bm25 is an optional extra: without it the report says so instead of a KeyError."""
    code = ("import json, sys\nsys.modules['rank_bm25'] = None  # as if not installed\n"
            "from assistant import bench\nr = bench.run_one(400, baseline_queries=3)\n"
            "print(json.dumps(r, ensure_ascii=False))\nprint(bench.table({'results': [r]}))\n")
    env = dict(os.environ, KEFU_HOME=str(kefu_home))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout.splitlines()[0])
    assert "skipped" in r["baselines"]["rank_bm25_jieba"]
    assert set(r["speedup_p95"]) == {"rapidfuzz_wratio_scan"}
    assert "| 400 |" in proc.stdout
