"""The `kefu` command line. Human output is Chinese; `--json` output is stable.

Size (~580 lines): mostly the argparse tree and the Chinese wording of each command's output; the
learning commands already live in cli_learning.py, and each command's work in its own module.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from assistant import __version__, kb, paths


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _db(args) -> Path:
    """The database a command works on: ``--db``, else the data dir's knowledge.db."""
    return Path(args.db) if getattr(args, "db", None) else paths.db_path()


def _engine(args, learned: bool = True):
    """The engine, ranking with the learned usage prior like the sidebar (``learned=False`` for
    ``kefu eval``: a labelled test set measures the knowledge base, not the shop's habits)."""
    from assistant.engine import Engine

    eng = Engine(_db(args), allow_readonly=True)
    if learned:
        _attach_learning(eng, args.settings.section("learning"))
    return eng


def _attach_learning(eng, s: dict) -> None:
    """Rank with the learned usage prior, as the sidebar does; only when there is usage to learn
    from (one indexed probe on the engine's connection, no writer thread)."""
    import sqlite3

    try:
        row = eng.conn.execute(
            "SELECT 1 FROM usage_events WHERE kind IN ('picked','edited','sent','dismissed') LIMIT 1").fetchone()
    except sqlite3.Error:  # a database from before the usage log
        return
    if row is None:
        return
    from assistant.usage import UsageModel

    model = UsageModel(s["half_life_days"], s["pseudo_count"], s["other_platform_weight"])
    model.load(eng.conn)
    model.attach(eng, weight=s["prior_weight"])


def _read_message(value: str) -> str:
    if value == "-":
        data = sys.stdin.buffer.read()
        return data.decode("utf-8", errors="replace")
    return value


def cmd_suggest(args) -> int:
    from assistant.engine import Conversation

    eng = _engine(args)
    settings, platform = args.settings, args.platform or ""
    # the shop profile ({店铺名} {客服名} {快递公司}), and the chat client's own variables, as in the sidebar
    chat = next((p for p in settings.chat_profiles() if p.platform == platform), None) if platform else None
    conv = Conversation.of(_read_message(args.message), args.context or [], platform=platform,
                           profile=settings.profile(chat))
    s = eng.suggest(conv, limit=args.limit)
    if args.json:
        _print_json(s.as_dict())
        return 0
    a = s.analysis
    for w in s.warnings:
        print(f"⚠ {w}")
    if a is None:
        return 0
    names = eng.intent_names
    scores = "，".join(f"{names.get(k, k)} {v:.2f}" for k, v in list(a.intent_scores.items())[:3])
    print(f"意图：{names.get(a.intent, a.intent)}（{a.intent}）  阶段：{a.stage}  候选：{scores}")
    if a.also:
        print("还问了：" + "、".join(names.get(k, k) for k in a.also))
    emo = kb.emotion_names().get(a.emotion, a.emotion)
    print(f"情绪：{emo} 强度 {a.intensity:.1f}{'  【紧急】' if a.urgent else ''}")
    if a.entities:
        print("信息：" + "  ".join(f"{k}={v}" for k, v in a.entities.items()))
    if s.hold:
        print(f"\n先回复（0）：{s.hold['filled']}\n    — {s.hold['why']}")
    print("\n推荐话术：" + ("（都没有把握，侧边栏先收起，按 G 展开）" if s.folded and settings.fold_unsure else ""))
    for i, r in enumerate(s.replies, 1):
        miss = f"  [待填：{'、'.join(r['missing'])}]" if r["missing"] else ""
        code = f" /{r['code']}" if r.get("code") else ""
        print(f" {i}. {r['filled']}{miss}\n    — {r['title']}{code} · {names.get(r['intent'], r['intent'])} · {r['why']} · {r['score']:.2f}")
    if s.empathy:
        print("\n共情开场：" + " | ".join(e["text"] for e in s.empathy))
    for st in s.subtext:
        print(f"\n潜台词：{st['meaning']} → {st['advice']}")
    if s.playbook:
        pb = s.playbook
        print(f"\n处理流程：{pb['name']} 第 {pb['step_no']} 步：{pb['step']}")
        print("  方案：" + " / ".join(pb["options"]))
        print(f"  权限：{pb['limit']}")
    if s.cross_sell:
        print("\n可以推荐：" + "；".join(f"{c['product']}（{c['reason']}）" for c in s.cross_sell))
    print(f"\n用时 {s.elapsed_ms} ms")
    return 0


def cmd_search(args) -> int:
    eng = _engine(args)
    hits = eng.search(args.query, limit=args.limit)
    if args.json:
        _print_json(hits)
        return 0
    if not hits:
        print("没有找到匹配的话术。")
    for i, h in enumerate(hits, 1):
        code = f"/{h['code']}" if h.get("code") else ""
        print(f"{i}. [{h['title']}] {code}\n   {h['text']}")
    return 0


def cmd_check(args) -> int:
    eng = _engine(args)
    res = eng.check(_read_message(args.draft))
    if args.json:
        _print_json(res)
        return 0 if res["ok"] else 1
    if res["ok"]:
        print("没有发现违禁词。")
        return 0
    for f in res["found"]:
        rep = f"→ 改为“{f['replacement']}”" if f["replacement"] else "→ 建议删掉"
        print(f"违禁词“{f['word']}”（{f['category']}）{rep}。{f['suggest'] or ''}")
    print(f"\n建议改写：{res['rewritten']}")
    return 1


def cmd_kb(args) -> int:
    db_file = _db(args)
    if args.action in ("import", "undo-import"):
        return _kb_import(args, db_file)
    if args.action in ("export", "lint"):
        return _kb_export_lint(args, db_file)
    if args.action in ("backups", "restore", "backup"):
        return _kb_backups(args, db_file)
    if args.action == "build":
        if not args.force and args.if_stale and not kb.is_stale(db_file):
            if not args.json:
                print(f"知识库已是最新：{db_file}")
            else:
                _print_json({"built": False, "db": str(db_file)})
            return 0
        rep = kb.build(db_file)
        if args.json:
            _print_json({"built": True, "db": str(db_file), **rep.__dict__})
        else:
            print(f"已生成知识库 {db_file}：话术 {rep.replies} 条，触发问法 {rep.triggers} 条，"
                  f"流程 {rep.playbooks} 个，潜台词 {rep.subtext} 条，共情 {rep.empathy} 条，商品 {rep.products} 个，"
                  f"搭配 {rep.cross_sell} 条，违禁词 {rep.banned} 个，用时 {rep.seconds:.1f} 秒。")
            for p in rep.problems:
                print(f"  注意：{p}")
        return 0
    if args.target:
        raise ValueError(f"kb {args.action} 不需要参数 {args.target}")
    # stats
    from assistant.db import connect

    kb.ensure_built(db_file)
    conn = connect(db_file)
    st = kb.stats(conn)
    if args.json:
        _print_json(st)
    else:
        labels = {"replies": "话术", "triggers": "触发问法", "subtext": "潜台词", "empathy": "共情开场",
                  "playbooks": "处理流程", "products": "商品", "cross_sell": "搭配推荐", "banned": "违禁词",
                  "lexicon": "识别规则", "intents_covered": "覆盖意图", "user_replies": "自建话术",
                  "built_at": "生成时间"}
        for k, v in st.items():
            print(f"{labels.get(k, k)}：{v}")
    return 0


def _kb_import(args, db_file: Path) -> int:
    from assistant import importer
    from assistant.db import connect

    kb.ensure_built(db_file)
    if args.action == "undo-import":
        conn = connect(db_file)
        try:
            batch, n = importer.undo(conn, args.target)
        finally:
            conn.close()
        if args.json:
            _print_json({"undone": batch, "removed": n})
        else:
            print(f"已撤销导入 {batch}：删除了 {n} 条导入的话术。")
        return 0
    if not args.target:
        raise ValueError("请给出要导入的文件，例如 kefu kb import 快捷短语.xlsx")
    from assistant.engine import Engine

    eng = Engine(db_file)
    try:
        rep = importer.import_file(eng.conn, args.target, analyzer=eng.analyzer, db_file=db_file,
                                   dry_run=args.dry_run)
    finally:
        eng.close()
    if args.json:
        _print_json(rep.as_dict())
        return 0
    d = rep.as_dict()
    verb = "可以导入" if rep.dry_run else "已导入"
    print(f"{verb} {d['rows']} 条话术（其中 {d['guessed_intent']} 条的意图是自动判断的），"
          f"跳过重复 {d['duplicates']} 条。")
    names = kb_intent_names(db_file)
    print("按意图：" + "，".join(f"{names.get(k, k)} {v}" for k, v in sorted(d["by_intent"].items(), key=lambda kv: -kv[1])))
    if rep.dry_run:
        for r in rep.rows[:15]:
            mark = "（自动）" if r.guessed else ""
            print(f"  第 {r.line} 行 · {names.get(r.intent, r.intent)}{mark} · {r.title or r.body[:12]}：{r.body[:40]}")
        if len(rep.rows) > 15:
            print(f"  ……共 {len(rep.rows)} 条")
    for p in rep.problems[:30]:
        print("  " + p)
    if len(rep.problems) > 30:
        print(f"  ……另有 {len(rep.problems) - 30} 条提示")
    if rep.dry_run:
        print("这是预览，没有写入。去掉 --dry-run 正式导入。")
    elif rep.batch:
        print(f"导入前已备份到 {rep.backup}。撤销这次导入：kefu kb undo-import {rep.batch}")
    return 0


def _kb_export_lint(args, db_file: Path) -> int:
    from assistant.db import connect

    kb.ensure_built(db_file)
    conn = connect(db_file)
    try:
        if args.action == "export":
            if not args.target:
                raise ValueError("请给出导出文件，例如 kefu kb export 话术库.xlsx（或 .csv）")
            from assistant import kbio

            res = kbio.export(conn, args.target, only_own=args.own)
            if args.json:
                _print_json(res)
            else:
                extra = "（另有“商品”“搭配推荐”两张表）" if res["file"].lower().endswith(".xlsx") and not args.own else ""
                print(f"已导出 {res['replies']} 条话术到 {res['file']}{extra}。改好后可以用 kefu kb import 导回。")
            return 0
        from assistant import lint

        res = lint.summary(lint.lint(conn))
    finally:
        conn.close()
    if args.json:
        _print_json(res)
    elif not res["count"]:
        print("没有发现问题。")
    else:
        for p in res["problems"]:
            ref = f"/{p['code']} " if p.get("code") else (f"#{p['reply_id']} " if p.get("reply_id") else "")
            print(f"[{lint.KINDS[p['kind']]}] {ref}{p['message']}")
        print(f"\n共 {res['count']} 个问题：" + "，".join(f"{lint.KINDS[k]} {n}" for k, n in res["by_kind"].items()))
    return 1 if res["count"] else 0


def cmd_doctor(args) -> int:
    from assistant import doctor

    report = doctor.run(Path(args.db) if args.db else None, adapters=not args.no_adapters)
    if args.json:
        _print_json(report)
    else:
        print(doctor.format_report(report))
    return 0 if report["ok"] else 1


def _kb_backups(args, db_file: Path) -> int:
    """kefu kb backups | backup | restore [BACKUP] (assistant/backups.py)."""
    from assistant import backups

    if args.action == "backup":
        dest = backups.make_backup(db_file, "manual")
        if dest is None:
            raise ValueError(f"还没有知识库文件 {db_file}，没有什么可备份的")
        _print_json({"backup": str(dest)}) if args.json else print(f"已备份到 {dest}")
        return 0
    if args.action == "backups":
        items = backups.list_backups(check=True)
        if args.json:
            _print_json([b.as_dict() for b in items])
            return 0
        if not items:
            print(f"还没有备份（{backups.paths.backups_dir()}）。导入话术表、重建知识库之前会自动备份；"
                  "也可以随时 `kefu kb backup`。")
            return 0
        reasons = {"before-build": "重建前", "before-import": "导入前", "before-restore": "恢复前",
                   "corrupt": "损坏的副本", "manual": "手动", "other": "其他"}
        s = args.settings.section("backups")
        total = sum(b.size for b in items)
        print(f"备份文件夹 {backups.paths.backups_dir()}：{len(items)} 个，共 {total / 1048576:.1f} MB"
              f"（最多保留 {s['keep']} 个、{s['max_mb']:.0f} MB，可在设置里改）")
        for i, b in enumerate(items, 1):
            d = b.as_dict()
            state = (f"完好 · 自建话术 {b.user_replies} 条 · 使用记录 {b.usage_events} 条" if b.ok
                     else f"不能用：{b.problem}")
            print(f" {i:>2}. {d['created_at']}  {reasons.get(b.reason, b.reason):<6} {b.size / 1048576:6.1f} MB  "
                  f"{state}\n     {b.name}")
        print("恢复最近的完好备份：kefu kb restore（或 kefu kb restore 文件名）")
        return 0
    rep = backups.restore(db_file, args.target)
    if args.json:
        _print_json(rep)
        return 0
    for sk in rep["skipped"]:
        print(f"跳过损坏的备份 {sk['name']}：{sk['problem']}")
    print(f"已从 {Path(rep['restored']).name} 恢复知识库：自建话术 {rep['user_replies']} 条，使用记录 {rep['usage_events']} 条。")
    if rep["kept"]:
        back = "" if rep["kept"].endswith("-corrupt.db") else f"（想退回去：kefu kb restore {Path(rep['kept']).name}）"
        print(f"恢复前的知识库另存为 {rep['kept']}{back}。")
    if rep["refreshed"]:
        print("默认话术已按当前版本更新，店铺自己的话术和使用记录保持备份里的样子。")
    return 0


def kb_intent_names(db_file: Path) -> dict[str, str]:
    from assistant.db import connect

    conn = connect(db_file)
    try:
        return kb.intent_names(conn)
    finally:
        conn.close()


def _reader_arg(value: str | None):
    """--reader: shipped (default) | cues (hand cues only) | a path to other weights."""
    if value in (None, "shipped"):
        return "shipped"
    if value == "cues":
        return None
    from assistant.reader import Reader

    return Reader.load(value)


def cmd_eval(args) -> int:
    from assistant.evaluate import attach_judged, evaluate, format_report, pool_items, read_jsonl

    if args.cv:
        from assistant import train

        res = train.cross_validate(train.training_examples(), k=args.cv)
        _print_json(res) if args.json else print(
            f"{args.cv}-fold CV (by session/file block): " + ", ".join(
                f"{k} {v:.3f} ± {res['sd'][k]:.3f}" for k, v in res["mean"].items()))
        return 0
    if not args.file and not args.pool:
        print("请给出标注文件（JSONL），或 --pool val|train", file=sys.stderr)
        return 2
    from assistant.engine import Engine

    eng = Engine(_db(args), reader=_reader_arg(args.reader), allow_readonly=True)
    if args.pool:
        sources = tuple(args.source.split(",")) if args.source else None
        items = pool_items(args.pool, sources)
    else:
        items = read_jsonl(args.file)
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict) or not isinstance(item.get("message"), str):
                raise ValueError(f"{args.file} 的第 {n} 条记录没有 message（顾客消息）字段，格式见 ../shared/eval/README.md")
        if args.source:
            items = [i for i in items if i.get("source") in args.source.split(",")]
    if args.judged:
        attach_judged(items, args.judged)
    res = evaluate(eng, items, details=args.details, report=args.report)
    if args.json:
        _print_json(res)
    elif args.report:
        print(format_report(res))
    else:
        for k, v in res.items():
            if k != "details":
                print(f"{k}: {v}")
        for row in res.get("details", []):
            if row["gold"] != row["pred"]:
                print(f"  ✗ {row['id']} gold={row['gold']} pred={row['pred']} top3={row['reply_intents']} | {row['message']}")
    return 0


def cmd_train(args) -> int:
    from assistant import train

    report = train.main_train(Path(args.out) if args.out else None, quiet=args.json,
                              written_dir=Path(args.written) if args.written else None, use_pool=not args.no_pool,
                              judged_file=Path(args.judged) if args.judged else None)
    if args.json:
        _print_json(report)
    return 0


def cmd_bench(args) -> int:
    from assistant import bench

    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if not args.json:
        print(f"生成 {', '.join(f'{n:,}' for n in sizes)} 条话术的测试知识库并测速，100k 约需 2–3 分钟…", file=sys.stderr)
    report = bench.run(sizes, baselines=not args.no_baselines)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.readme and not bench.update_readme(Path(args.readme), report):
        print(f"{args.readme} 里没有 {bench.README_START} … {bench.README_END} 标记，表格未写入", file=sys.stderr)
    if args.json:
        _print_json(report)
    else:
        print(bench.table(report))
    return 0


_FRONTEND = None  # set by a launcher that bundles the window (the frozen build: packaging/launcher.py)


def cmd_app(args) -> int:
    """Start the sidebar. The engine does not import the UI: the window registers itself as the
    `kefu.frontends` entry point (pyproject.toml), which keeps assistant/ free of Qt. The frozen
    build has no package metadata; its launcher hands the window's main() to ``main`` instead."""
    if _FRONTEND is not None:
        return _FRONTEND(sys.argv[:1])
    from importlib.metadata import entry_points

    eps = list(entry_points(group="kefu.frontends"))
    if not eps:
        print("没有安装界面组件：请在项目目录运行 `make run`，或 `pip install -e .`。", file=sys.stderr)
        return 2
    try:
        ui_main = eps[0].load()
    except ImportError as exc:
        print(f"无法启动界面（缺少 Qt 组件）：{exc}", file=sys.stderr)
        return 2
    return ui_main(sys.argv[:1])


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"要一个正整数，不是 {value!r}") from None
    if not 1 <= n <= 100:
        raise argparse.ArgumentTypeError(f"要 1 到 100 之间的数，不是 {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kefu", description="客服助手：话术推荐、搜索、违禁词检查、评测")
    p.add_argument("--version", action="version", version=f"kefu {__version__}")
    p.add_argument("--db", help="knowledge.db 路径（默认在数据目录）")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd")

    s = sub.add_parser("suggest", help="为顾客消息推荐话术")
    s.add_argument("message", help="顾客的最新消息（- 表示从标准输入读取）")
    s.add_argument("--context", action="append", metavar="TURN",
                   help="之前的对话，可重复；写成 customer:... 或 agent:...（不写角色视为顾客）")
    s.add_argument("--platform", help="平台，如 千牛/京东/拼多多/抖店/微信")
    s.add_argument("--limit", type=_positive_int, default=5)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_suggest)

    s = sub.add_parser("search", help="搜索话术（关键词、拼音首字母、/快捷码）")
    s.add_argument("query")
    s.add_argument("--limit", type=_positive_int, default=10)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("check", help="检查草稿里的违禁词")
    s.add_argument("draft")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("kb", help="知识库：build 生成 / stats 统计 / import 导入话术表 / undo-import 撤销导入 / "
                                  "export 导出 / lint 检查 / backups 列出备份 / backup 立即备份 / restore 恢复备份")
    s.add_argument("action", choices=["build", "stats", "import", "undo-import", "export", "lint",
                                       "backups", "backup", "restore"])
    s.add_argument("target", nargs="?", help="import：CSV 或 XLSX 文件；undo-import：批次号（默认最近一次）；"
                                            "export：要写的 .xlsx 或 .csv；restore：备份文件名（默认最近的完好备份）")
    s.add_argument("--own", action="store_true", help="export：只导出本店自己的话术")
    s.add_argument("--dry-run", action="store_true", help="import：只检查和预览，不写入")
    s.add_argument("--force", action="store_true", help="即使已是最新也重建")
    s.add_argument("--if-stale", action="store_true", help="只在缺失或比 resources/ 旧时重建")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_kb)

    s = sub.add_parser("doctor", help="检查安装：路径、系统接口、显示、知识库、备份、版本")
    s.add_argument("--json", action="store_true")
    s.add_argument("--no-adapters", action="store_true", help="不加载系统接口（剪贴板、快捷键）")
    s.set_defaults(func=cmd_doctor)

    s = sub.add_parser("eval", help="在标注数据上评测（JSONL）")
    s.add_argument("file", nargs="?")
    s.add_argument("--pool", choices=["train", "tune", "val"],
                   help="评测 data/pool 的标注（文本取自 ../shared/corpus）：train 训练、tune 调参、val 冻结的验证集")
    s.add_argument("--source", help="只评测这些来源（逗号分隔，如 jddc_chat,jddc_pairs）")
    s.add_argument("--reader", help="shipped（默认）| cues（只用人工线索）| 权重文件路径")
    s.add_argument("--report", action="store_true", help="分来源、分意图的指标和混淆矩阵")
    s.add_argument("--judged", help="评判过的回复（JSONL：id、answers、harmful、neither），按 id 接到样本上，算 answer@1")
    s.add_argument("--cv", type=int, metavar="K", help="对训练数据做 K 折交叉验证（按会话分组）")
    s.add_argument("--json", action="store_true")
    s.add_argument("--details", action="store_true", help="列出判错的样本")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("train", help="用仓库里的数据重新训练读懂消息的模型、帖子里的商品识别和话术排序（resources/models/）")
    s.add_argument("--out", help="读消息模型的权重写到这里（默认 resources/models/reader.npz；排序权重写在旁边）")
    s.add_argument("--written", help="自写训练消息的目录（默认 data/written）")
    s.add_argument("--judged", help="自写的、标了可发话术的对话（默认 data/judged/para.jsonl）")
    s.add_argument("--no-pool", action="store_true", help="不用语料池里许可允许的标注（NTCIR）")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_train)

    from assistant import cli_learning  # stats, learn-replay, learn-simulate, usage

    cli_learning.register(sub)

    s = sub.add_parser("bench", help="在合成知识库上测速（含 rapidfuzz / rank_bm25 对照）")
    s.add_argument("--sizes", default="1000,10000,100000")
    s.add_argument("--json", action="store_true")
    s.add_argument("--out", help="同时把 JSON 写到这个文件")
    s.add_argument("--readme", help="把结果表格写进这个 README（两个 bench 标记之间）")
    s.add_argument("--no-baselines", action="store_true", help="不跑对照组（更快）")
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("app", help="启动侧边栏（默认）")
    s.set_defaults(func=cmd_app)
    return p


def _safe_streams() -> None:
    """A console that cannot show a character (GBK on a Chinese Windows cannot show ⚠) gets a
    replacement character instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError, OSError):
            pass


def main(argv: list[str] | None = None, frontend=None) -> int:
    """The CLI's error boundary: every failure ends in one sentence on stderr and an exit code
    (assistant/errors.py); tracebacks only in kefu.log. ``frontend``: the window's main(argv), for
    a launcher that bundles it (see cmd_app)."""
    from assistant import errors

    global _FRONTEND
    if frontend is not None:
        _FRONTEND = frontend

    _safe_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        from assistant.settings import Settings

        args.settings = Settings.read()  # read once; commands take what they need from it
        return args.func(args) if args.cmd else cmd_app(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return errors.EXIT_INTERRUPTED
    except Exception as exc:
        message, code, _state = errors.describe(exc, getattr(args, "db", None) or "knowledge.db")
        if code == errors.EXIT_INTERNAL or args.verbose:
            errors.record(exc)
        print(f"错误：{message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    raise SystemExit(main())
