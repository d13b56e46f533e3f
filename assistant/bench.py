"""`kefu bench`: speed of the engine on synthetic libraries of several sizes, side by side with
two baselines a shop might otherwise use (a rapidfuzz scan over every trigger; rank_bm25 over
jieba tokens). Each size runs in its own process so peak RSS is that size's alone.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant import paths

# Typed in the search box, one character at a time: words, pinyin initials, full pinyin, shortcodes.
SEARCH_TYPED = ["退货运费", "发票抬头怎么写", "尺码偏大吗", "thh", "fpth", "tuihuo", "/s0001", "/dth",
                "优惠券叠加", "快递到哪了", "bxq", "耳机连不上"]

FALLBACK_MESSAGES = [
    "在吗", "这件T恤是纯棉的吗", "165 110斤穿多大码", "还有白色吗 什么时候补货", "能便宜点吗 有券吗",
    "今天下单什么时候发货", "发什么快递 包邮吗", "是正品吗 有授权吗", "耳机怎么配对", "两款面霜哪个适合干皮",
    "送女朋友的能包装一下吗", "能开专票吗", "付款一直失败怎么回事", "地址写错了能改吗", "不想要了帮我取消",
    "都三天了还不发货", "快递到哪了 一直不动", "显示签收了我没收到", "衣服小了想换大一码", "退款什么时候到账",
    "收到的杯子碎了", "发错颜色了", "刚买就降价了 补差价", "充电器坏了保修吗", "我要投诉 你们态度太差了",
    "怎么追评", "积分怎么用", "转人工", "好的谢谢", "你们招客服吗",
]


def _messages() -> list[str]:
    own = paths.app_dir() / "tests" / "data" / "own_messages.jsonl"
    if own.exists():
        with open(own, encoding="utf-8") as fh:
            return [json.loads(line)["message"] for line in fh if line.strip()]
    return list(FALLBACK_MESSAGES)


def _pct(values: list[float], q: float) -> float:
    vals = sorted(values)
    return round(vals[min(len(vals) - 1, int(round(q * (len(vals) - 1))))], 3) if vals else 0.0


def _summary(ms: list[float]) -> dict:
    return {"p50": _pct(ms, 0.5), "p95": _pct(ms, 0.95), "p99": _pct(ms, 0.99),
            "mean": round(statistics.fmean(ms), 3) if ms else 0.0, "n": len(ms)}


def _cold_start(db_file: Path, message: str) -> float:
    """Wall time of a fresh process until its first suggestion is ready (ms)."""
    code = ("import time,sys;t=time.perf_counter()\n"
            "from assistant.engine import Engine\n"
            f"e=Engine({str(db_file)!r}, build_if_needed=False); e.suggest({message!r})\n"
            "print((time.perf_counter()-t)*1000)")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total = (time.perf_counter() - started) * 1000
    return round(total, 1), round(float(out.stdout.strip()), 1)


def run_one(size: int, *, baselines: bool = True, baseline_queries: int = 40) -> dict:
    from assistant import synth
    from assistant.engine import Conversation, Engine

    messages = _messages()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        db_file = Path(tmp) / f"bench-{size}.db"
        rep = synth.build_synthetic(db_file, size)
        process_ms, import_to_first_ms = _cold_start(db_file, messages[0])
        eng = Engine(db_file, build_if_needed=False)
        convs = [Conversation(m) for m in messages]
        for c in convs:  # warm the caches once, as a running sidebar would be
            eng.suggest(c)
        suggest_ms = []
        for c in convs:
            t = time.perf_counter()
            eng.suggest(c)
            suggest_ms.append((time.perf_counter() - t) * 1000)
        search_ms = []
        for typed in SEARCH_TYPED:
            for i in range(1, len(typed) + 1):
                t = time.perf_counter()
                eng.search(typed[:i], limit=9)
                search_ms.append((time.perf_counter() - t) * 1000)
        rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # before baselines load jieba
        out = {
            "size": size, "peak_rss_mb": rss, "triggers": rep.triggers, "build_s": round(rep.seconds, 2),
            "cold_start_ms": {"process": process_ms, "import_to_first_suggestion": import_to_first_ms},
            "suggest_ms": _summary(suggest_ms), "search_as_you_type_ms": _summary(search_ms),
        }
        if baselines:
            out["baselines"] = _baselines(eng, messages[:baseline_queries])
            s95 = out["suggest_ms"]["p95"] or 1e-9
            out["speedup_p95"] = {k: round(v["query_ms"]["p95"] / s95, 1) for k, v in out["baselines"].items()
                                  if "query_ms" in v}  # a skipped baseline (rank_bm25 not installed) has none
        eng.close()
    return out


def _baselines(eng, messages: list[str]) -> dict:
    from rapidfuzz import fuzz, process

    from assistant import text

    phrases = [r[0] for r in eng.conn.execute("SELECT text FROM triggers")]
    res = {}
    fuzz_ms = []
    for m in messages:
        t = time.perf_counter()
        process.extract(m, phrases, scorer=fuzz.WRatio, limit=5)
        fuzz_ms.append((time.perf_counter() - t) * 1000)
    res["rapidfuzz_wratio_scan"] = {"index_s": 0.0, "query_ms": _summary(fuzz_ms)}
    try:
        import jieba  # noqa: F401 (text.words segments with it)
        from rank_bm25 import BM25Okapi
    except ImportError:
        res["rank_bm25_jieba"] = {"skipped": "rank_bm25 or jieba not installed (pip install '.[bench]')"}
        return res
    t = time.perf_counter()
    corpus = [text.words(p) or [p] for p in phrases]
    bm25 = BM25Okapi(corpus)
    index_s = time.perf_counter() - t
    bm_ms = []
    for m in messages:
        t = time.perf_counter()
        scores = bm25.get_scores(text.words(m))
        sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:5]
        bm_ms.append((time.perf_counter() - t) * 1000)
    res["rank_bm25_jieba"] = {"index_s": round(index_s, 2), "query_ms": _summary(bm_ms)}
    return res


def run(sizes: list[int], *, baselines: bool = True) -> dict:
    """Every size in its own process (clean peak RSS), then one report."""
    results = []
    for size in sizes:
        proc = subprocess.run(
            [sys.executable, "-m", "assistant.bench", str(size), *([] if baselines else ["--no-baselines"])],
            capture_output=True, text=True, env=dict(os.environ))
        if proc.returncode != 0:
            raise RuntimeError(f"bench size {size} failed:\n{proc.stderr[-2000:]}")
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform},
            "when": time.strftime("%Y-%m-%d %H:%M"), "results": results}


def _n(x) -> str:
    """A figure as people read it: 2233, 17.1, 6.13, 0.90."""
    if not isinstance(x, (int, float)):
        return str(x)
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _x(ratio) -> str:
    """A speed-up: 288×, 32.3×, 4.4×."""
    if not isinstance(ratio, (int, float)):
        return f"{ratio}×"
    return f"{ratio:.0f}×" if ratio >= 100 else f"{ratio:.1f}×"


def table(report: dict) -> str:
    head = ("| replies | build s | cold start ms | suggest p50/p95/p99 ms | search p95 ms | peak RSS MB "
            "| rapidfuzz p95 ms (×) | rank_bm25 p95 ms (×) |")
    lines = [head, "|" + "---|" * 8]
    for r in report["results"]:
        b = r.get("baselines", {})
        rf = b.get("rapidfuzz_wratio_scan", {}).get("query_ms", {}).get("p95", "–")
        bm = b.get("rank_bm25_jieba", {}).get("query_ms", {}).get("p95", "–")
        sp = r.get("speedup_p95", {})
        s = r["suggest_ms"]
        lines.append(
            f"| {r['size']:,} | {_n(r['build_s'])} | {_n(r['cold_start_ms']['process'])} | "
            f"{_n(s['p50'])} / {_n(s['p95'])} / {_n(s['p99'])} | {_n(r['search_as_you_type_ms']['p95'])} | "
            f"{_n(r['peak_rss_mb'])} | {_n(rf)} ({_x(sp.get('rapidfuzz_wratio_scan', '–'))}) | "
            f"{_n(bm)} ({_x(sp.get('rank_bm25_jieba', '–'))}) |")
    return "\n".join(lines)


README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_readme(path: Path, report: dict) -> bool:
    """Put the table between the bench markers of a README. False when the markers are missing."""
    doc = Path(path).read_text(encoding="utf-8")
    start, end = doc.find(README_START), doc.find(README_END)
    if start < 0 or end < start:
        return False
    m = report.get("machine", {})
    block = (f"{README_START}\nLatest run ({report.get('when', '?')}, {m.get('cpus', '?')} cores, Python "
             f"{m.get('python', '?')}; [docs/bench/latest.json](docs/bench/latest.json)):\n\n{table(report)}\n")
    Path(path).write_text(doc[:start] + block + doc[end:], encoding="utf-8")
    return True


if __name__ == "__main__":
    size = int(sys.argv[1])
    print(json.dumps(run_one(size, baselines="--no-baselines" not in sys.argv), ensure_ascii=False))
