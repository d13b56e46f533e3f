"""`kefu stats`, `kefu learn-replay`, `kefu learn-simulate` and `kefu usage …` (docs/learning.md).

``register(subparsers)`` is called from assistant/cli.py's build_parser().
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _db_file(args) -> Path:
    from assistant import kb
    from assistant.cli import _db

    db_file = _db(args)
    kb.ensure_built(db_file)
    return db_file


def _conn(args):
    from assistant.db import connect

    return connect(_db_file(args))


def _secs(v) -> str:
    return "—" if v is None else f"{v:.1f} 秒"


def cmd_stats(args) -> int:
    from assistant import stats

    since = stats.parse_since(args.since)
    conn = _conn(args)
    try:
        learning = args.settings.section("learning", {"low_score": args.low_score})
        rep = stats.compute(conn, since=since, settings=learning, top=args.top)
    finally:
        conn.close()
    if args.export:
        path = stats.export(rep, args.export)
        if not args.json:
            print(f"已导出到 {path}")
    if args.json:
        _print_json(rep)
        return 0
    r = rep["response"]
    print(f"统计范围：{rep['since'] or '全部'} — {rep['until']}")
    print(f"顾客消息 {rep['messages']} 条，采用推荐 {rep['answered']} 条；话术 {rep['replies_total']} 条，"
          f"用过 {rep['replies_used']} 条，没用过 {rep['unused_count']} 条。")
    print(f"响应：首次响应平均 {_secs(r.get('first_response_s'))}，平均响应 {_secs(r.get('avg_response_s'))}，"
          f"已接待 {r.get('handled', 0)} 条，超过 {r['warn_after_s']:.0f} 秒 {r.get('over_warn', 0)} 次。")
    if rep["top_replies"]:
        print("\n常用话术：")
        for i, t in enumerate(rep["top_replies"], 1):
            code = f" /{t['code']}" if t["code"] else ""
            print(f" {i:>2}. {t['title']}{code} · {t.get('intent_name') or t['intent'] or '—'} · 用于 {t['uses']} 条消息"
                  f"（修改 {t['edited']} 次）")
    if rep["intents"]:
        print("\n意图分布：" + "，".join(f"{i['name']} {i['messages']}" for i in rep["intents"][:12]))
    if r["days"]:
        print("\n每日响应：")
        for d in r["days"][-14:]:
            print(f"  {d['date']}  消息 {d['messages']:>4}  已接待 {d['handled']:>4}  "
                  f"首次响应 {_secs(d['first_response_s'])}  平均 {_secs(d['avg_response_s'])}  超时 {d['over_warn']}")
    if rep["gaps"]:
        print(f"\n知识缺口（没有采用推荐或推荐分数低于 {rep['low_score']}，按相似问法分组）：")
        for i, g in enumerate(rep["gaps"][:args.top], 1):
            more = f"（另有 {len(g['messages']) - 1} 种问法）" if len(g["messages"]) > 1 else ""
            print(f" {i:>2}. “{g['example']}” × {g['count']} · {g['intent_name']}{more}")
    if rep["unused"]:
        names = "、".join(u["title"] for u in rep["unused"][:10])
        print(f"\n没用过的话术 {rep['unused_count']} 条，例如：{names}{' …' if rep['unused_count'] > 10 else ''}")
    if not rep["events"]:
        print("\n还没有使用记录：在侧边栏里选用、修改、发送话术后，这里会出现统计。")
    return 0


def _engine(args):
    from assistant.engine import Engine

    return Engine(_db_file(args))


def cmd_learn_replay(args) -> int:
    from assistant.replay import read_jsonl, replay

    eng = _engine(args)
    rows = read_jsonl(args.file)
    res = replay(eng, rows, limit=args.limit, half_life_days=args.half_life, prior_weight=args.weight)
    if args.json:
        _print_json(res)
        return 0
    b, a = res["before"], res["after"]
    print(f"学习 {res['n_learn']} 次选用，留出 {res['n_test']} 条消息评估（跳过 {res['skipped']} 条）。")
    print(f"所选话术排第一：{b['top1']:.1%} → {a['top1']:.1%}（{res['top1_lift_points']:+.1f} 个百分点）")
    print(f"前三命中：{b['hit@3']:.1%} → {a['hit@3']:.1%}；MRR：{b['mrr']:.3f} → {a['mrr']:.3f}")
    for p in res["per_intent"]:
        print(f"  {p['intent']:<18} n={p['n']:<3} top1 {p['top1_before']:.2f} → {p['top1_after']:.2f}"
              f"  mrr {p['mrr_before']:.3f} → {p['mrr_after']:.3f}")
    return 0


def cmd_learn_simulate(args) -> int:
    from assistant.replay import simulate, write_jsonl

    eng = _engine(args)
    rows = simulate(eng, picks=args.picks, intents=args.intents, test_per_intent=args.test_per_intent,
                    seed=args.seed, prefer_rate=args.prefer_rate)
    write_jsonl(rows, args.out)
    n_learn = sum(1 for r in rows if r["split"] == "learn")
    print(f"已生成 {args.out}：{n_learn} 次选用，{len(rows) - n_learn} 条留出消息。"
          f"用 `kefu learn-replay {args.out}` 回放。")
    return 0


def cmd_usage(args) -> int:
    from assistant import stats, usage

    conn = _conn(args)
    try:
        if args.action == "export":
            if not args.file:
                raise ValueError("请给出导出文件，例如 kefu usage export 记录.xlsx")
            n = usage.export_events(conn, args.file, since=stats.parse_since(args.since))
            print(f"已导出 {n} 条使用记录到 {args.file}")
            return 0
        if args.action == "clear":
            before = stats.parse_since(args.before) if args.before else None
            if not args.yes:
                what = f"{args.before} 以前的" if args.before else "全部"
                print(f"将删除{what}使用记录（学习到的排序也会随之清空）。确认请加 --yes；"
                      "需要留底请先 `kefu usage export 文件.xlsx`。", file=sys.stderr)
                return 1
            n = usage.clear(conn, before=before)
            from assistant import backups

            print(f"已删除 {n} 条使用记录。" + backups.clear_usage_note(before))
            return 0
        # variants
        proposals = usage.propose_variants(conn)
        if args.save is not None:
            match = [p for p in proposals if p.reply_id == args.save]
            if not match:
                raise ValueError(f"话术 {args.save} 没有待保存的修改版本")
            rid = usage.save_variant(conn, match[0])
            print(f"已保存为新话术 {rid}（{match[0].title}（改））。")
            return 0
        if args.json:
            _print_json([p.as_dict() for p in proposals])
            return 0
        if not proposals:
            print("暂时没有反复修改的话术。")
        for p in proposals:
            print(f"话术 {p.reply_id}「{p.title}」被改过 {p.edits} 次，常改成：\n  {p.text}\n"
                  f"  保存为新话术：kefu usage variants --save {p.reply_id}")
        return 0
    finally:
        conn.close()


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("stats", help="使用统计：常用/没用过的话术、意图、响应时间、知识缺口")
    s.add_argument("--since", default="7d", help="时间范围：7d、24h、2w、2024-05-01 或 all（默认 7d）")
    s.add_argument("--json", action="store_true")
    s.add_argument("--export", metavar="FILE", help="导出到 .xlsx 或 .csv（每周案例复盘用）")
    s.add_argument("--low-score", type=float, default=None, help="最高推荐分低于它算知识缺口（默认 0.5）")
    s.add_argument("--top", type=int, default=15)
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("learn-replay", help="回放“消息 + 客服选的话术”，比较学习前后所选话术的排名")
    s.add_argument("file", help="JSONL：message, chosen_code/chosen_id, split=learn|test（见 docs/learning.md）")
    s.add_argument("--limit", type=int, default=10, help="每条消息看前几条推荐（MRR 用）")
    s.add_argument("--half-life", type=float, default=None, help="证据半衰期（天，默认 14）")
    s.add_argument("--weight", type=float, default=None, help="常用度在得分里的总权重（默认 0.6）")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_learn_replay)

    s = sub.add_parser("learn-simulate", help="用知识库的触发问法生成模拟的选用记录（给 learn-replay 用）")
    s.add_argument("out", help="输出 JSONL 文件")
    s.add_argument("--picks", type=int, default=240)
    s.add_argument("--intents", type=int, default=8)
    s.add_argument("--test-per-intent", type=int, default=15)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--prefer-rate", type=float, default=0.85, help="客服选偏好话术的概率")
    s.set_defaults(func=cmd_learn_simulate)

    s = sub.add_parser("usage", help="使用记录：export 导出 / clear 清除 / variants 反复修改的话术")
    s.add_argument("action", choices=["export", "clear", "variants"])
    s.add_argument("file", nargs="?", help="export 的目标文件（.csv 或 .xlsx）")
    s.add_argument("--since", default=None, help="export：只导出这段时间（如 30d）")
    s.add_argument("--before", default=None, help="clear：只删除这之前的记录（如 90d 表示 90 天前）")
    s.add_argument("--yes", action="store_true", help="clear：确认删除")
    s.add_argument("--save", type=int, default=None, metavar="REPLY_ID", help="variants：把该话术的修改版本存为新话术")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_usage)
