"""The reader on what a live chat carries: the corpus' masks replaced by values of their kind
(docs/reader.md, "Tenth pass"). A diagnostic; nothing it writes ships.

`python data/pool/live_values.py [dev] [probes] [tune] [trainjd] [val]` (all but val when none is
named) prints, for each set, the engine's figures on the masked messages and on the same messages
with live values. Gold entities that were masks are left out of both (their value is new).
"""
from __future__ import annotations

import random
import re
import sys

from assistant.engine import Engine
from assistant.evaluate import evaluate, pool_items, read_jsonl
from sample import DEV

R = random.Random(7)
KEYS = ("intent_acc", "reply_hit@1", "reply_hit@3", "emotion_macro_f1", "urgent_f1", "answer@1", "harmful@1")


def _digits(k: int) -> str:
    return str(R.randint(1, 9)) + "".join(str(R.randint(0, 9)) for _ in range(k - 1))


def _number() -> str:
    x = R.random()
    return _digits(1 if x < .45 else 2 if x < .7 else 3 if x < .82 else 4 if x < .9 else R.randint(6, 13))


FILL = {
    "数字": _number,
    "金额": lambda: R.choice([_digits(2), _digits(3), f"{_digits(2)}.{R.randint(0, 99):02d}", f"{_digits(3)}.00"]),
    "日期": lambda: R.choice([f"{R.randint(1, 12)}月{R.randint(1, 28)}日", f"{R.randint(1, 12)}月{R.randint(1, 28)}号",
                            f"2026-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}", f"{R.randint(1, 28)}号"]),
    "时间": lambda: R.choice([f"{R.randint(8, 22)}:{R.randint(0, 59):02d}", f"{R.randint(1, 11)}点",
                            f"{R.randint(8, 22)}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}"]),
    "订单": lambda: _digits(R.choice([12, 16, 18, 19])),
    "电话": lambda: "1" + R.choice("3578") + _digits(9),
    "姓名": lambda: R.choice(["李明", "张女士", "王先生", "刘洋", "陈静", "小周", "赵师傅"]),
    "地址": lambda: R.choice(["浙江省杭州市西湖区文三路138号", "北京市朝阳区望京街道10号院", "广东省深圳市南山区科技园"]),
    "站点": lambda: R.choice(["杭州转运中心", "北京朝阳站", "深圳南山营业部", "成都分拨中心"]),
    "链接": lambda: "https://item.jd.com/" + _digits(12) + ".html",
    "身份证号": lambda: _digits(17) + "X",
    "邮箱": lambda: "abc" + _digits(3) + "@qq.com",
    "组织机构": lambda: R.choice(["中国移动", "顺丰速运", "工商银行"]),
}
MASK = re.compile(r"\[(" + "|".join(FILL) + r")x\]")


def _live(t: str) -> str:
    return MASK.sub(lambda m: FILL[m.group(1)](), t)


def _pair(item: dict) -> tuple[dict, dict]:
    masked = dict(item, entities={k: v for k, v in (item.get("entities") or {}).items() if not MASK.search(v)})
    live = dict(masked, message=_live(item["message"]),
                context=[dict(t, text=_live(t["text"])) if isinstance(t, dict) else _live(t)
                         for t in item.get("context") or []])
    return masked, live


def sets(names: list[str]) -> dict[str, list[dict]]:
    load = {"dev": lambda: read_jsonl(DEV), "probes": lambda: read_jsonl("data/probes/probes.jsonl"),
            "tune": lambda: pool_items("tune"),
            "trainjd": lambda: [i for i in pool_items("train") if i["source"] != "ntcir_dch"],
            "val": lambda: pool_items("val")}
    return {n: load[n]() for n in names}


def main(names: list[str]) -> None:
    engine = Engine()
    for name, items in sets(names or ["dev", "probes", "tune", "trainjd"]).items():
        pairs = [_pair(i) for i in items]
        n = sum(m["message"] != v["message"] for m, v in pairs)
        for label, rows in (("masked", [m for m, _ in pairs]), ("live", [v for _, v in pairs])):
            r = evaluate(engine, rows)
            print(f"{name:8} {label:6} ({n} of {len(items)} messages have a value) "
                  + " ".join(f"{k}={r[k]}" for k in KEYS if k in r))


if __name__ == "__main__":
    main(sys.argv[1:])
