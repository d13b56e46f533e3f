"""A week of simulated sidebar use written through the real UsageLog (for stats tests and the
stats-window screenshot). Messages are the KB's own trigger phrasings plus a few questions the
default knowledge does not cover, all written for this project."""
from __future__ import annotations

import random
import time

from assistant.engine import Conversation
from assistant.settings import DEFAULTS
from assistant.usage import UsageLog

# Questions the default knowledge has no reply for: they should surface as knowledge gaps.
GAP_FAMILIES = {
    "store": ["你们有线下实体店吗", "有没有线下实体店", "线下实体店在哪里"],
    "abroad": ["能寄到新加坡吗", "可以寄到新加坡吗", "寄到新加坡要几天"],
    "live": ["直播间的价格还有吗", "直播间价格怎么拿", "直播间的价格能给吗"],
    "engrave": ["可以刻字吗", "能刻字吗 刻名字", "刻字要加钱吗"],
}
GAP_QUESTIONS = [q for family in GAP_FAMILIES.values() for q in family]
LOW_SCORE = DEFAULTS["learning"]["low_score"]  # what the stats count as a low-scored (gap) message
PLATFORMS = ["千牛", "千牛", "京东", "拼多多", "抖店"]


def fill_usage_log(engine, db_file, *, days: int = 7, per_day: int = 30, seed: int = 3,
                   end: float | None = None) -> dict:
    rnd = random.Random(seed)
    phrasings = [r[0] for r in engine.conn.execute(
        "SELECT text FROM triggers WHERE length(text) >= 5 ORDER BY id")]
    end = time.time() if end is None else end
    day0 = end - days * 86400
    counts = {"messages": 0, "gaps": 0, "sent": 0}
    log = UsageLog(db_file, flush_interval=0.2)
    try:
        for d in range(days):
            t = day0 + d * 86400 + 9 * 3600 + rnd.uniform(0, 600)
            for _ in range(per_day):
                t += rnd.uniform(60, 900)
                if t > end - 60:
                    break
                gap = rnd.random() < 0.15
                platform = rnd.choice(PLATFORMS)
                while True:
                    msg = rnd.choice(GAP_QUESTIONS) if gap else rnd.choice(phrasings)
                    s = engine.suggest(Conversation(msg, platform=platform))
                    # the other messages are ones the engine answers with confidence, so that the
                    # gaps are the four families above, whatever the ranker's scale
                    if gap or (s.replies and s.replies[0]["score"] >= LOW_SCORE):
                        break
                best = s.replies[0]["score"] if s.replies else None
                ref = log.received(msg, intent=s.analysis.intent if s.analysis else "", platform=platform,
                                   profile={"shop_name": "小店"}, conversation=f"顾客{rnd.randint(1, 25)}",
                                   best_score=best, ts=t)
                log.shown(ref, s.replies, ts=t + 0.2)
                counts["messages"] += 1
                if gap or not s.replies:
                    counts["gaps"] += 1
                    if rnd.random() < 0.5:
                        log.dismissed(ref, s.replies[0] if s.replies else None, ts=t + 3)
                    continue
                rank = 1 if rnd.random() < 0.6 or len(s.replies) < 2 else rnd.randint(2, min(3, len(s.replies)))
                reply = s.replies[rank - 1]
                wait = rnd.choice([rnd.uniform(4, 25), rnd.uniform(4, 25), rnd.uniform(20, 70)])
                log.picked(ref, reply, rank=rank, ts=t + wait - 2)
                final = reply["filled"]
                if rnd.random() < 0.15:
                    final = final.rstrip("。！") + "，有问题随时找我哦～"
                    log.edited(ref, reply, final, ts=t + wait - 1)
                log.sent(ref, reply, final, ts=t + wait)
                counts["sent"] += 1
    finally:
        log.close()
    return counts
