"""The response clock and per-day figures (assistant/response_time.py)."""
import time

import pytest

from assistant.response_time import ResponseTimer, day_of
from assistant.usage import UsageLog

T0 = time.mktime((2026, 3, 2, 10, 0, 0, 0, 0, -1))  # a Monday, 10:00 local time


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        return self.t


def test_the_clock_runs_from_the_first_unanswered_message_and_warns_at_30_s():
    clock = Clock()
    rt = ResponseTimer(clock=clock)
    assert rt.warn_after == 30 and rt.level() == "idle" and rt.elapsed() is None
    rt.message_arrived("张三")
    clock.t += 10
    rt.message_arrived("张三")  # a second message does not restart the clock
    clock.t += 5
    assert rt.elapsed("张三") == 15 and rt.level("张三") == "ok"
    clock.t += 6
    assert rt.level("张三") == "soon"  # two thirds of the threshold
    clock.t += 10
    assert rt.level("张三") == "late"
    assert rt.waiting_conversations() == [("张三", 31)]
    assert rt.replied("张三") == 31
    assert rt.level("张三") == "idle" and rt.replied("张三") is None


def test_per_day_first_response_average_and_messages_handled():
    clock = Clock()
    rt = ResponseTimer(warn_after=20, session_gap=1800, clock=clock)
    # 张三: two messages, answered after 12 s (first response), then another after 4 s
    rt.message_arrived("张三", T0)
    rt.message_arrived("张三", T0 + 3)
    rt.replied("张三", T0 + 12)
    rt.message_arrived("张三", T0 + 60)
    rt.replied("张三", T0 + 64)
    # 李四: answered after 40 s (first response, over the threshold)
    rt.message_arrived("李四", T0 + 100)
    rt.replied("李四", T0 + 140)
    # 李四 again an hour later: a new session, so a new first response
    rt.message_arrived("李四", T0 + 3900)
    rt.replied("李四", T0 + 3908)
    # 王五 never answered, and comes back after the session gap
    rt.message_arrived("王五", T0 + 200)
    rt.message_arrived("王五", T0 + 5000)
    clock.t = T0 + 5001
    today = rt.today()
    assert today["date"] == day_of(T0)
    assert today["messages"] == 7 and today["handled"] == 5 and today["unanswered"] == 1
    assert today["responses"] == 4
    assert today["first_response_s"] == pytest.approx((12 + 40 + 8) / 3, abs=0.06)
    assert today["avg_response_s"] == pytest.approx((12 + 4 + 40 + 8) / 4, abs=0.06)
    assert today["max_response_s"] == 40 and today["over_warn"] == 1


def test_days_split_at_local_midnight_and_finish_gives_up_stale_waits():
    rt = ResponseTimer()
    rt.message_arrived("a", T0)
    rt.replied("a", T0 + 5)
    rt.message_arrived("a", T0 + 86400)
    rt.finish(T0 + 86400 + 4000)
    days = rt.days()
    assert [d["date"] for d in days] == [day_of(T0), day_of(T0 + 86400)]
    assert days[0]["handled"] == 1 and days[1]["unanswered"] == 1 and days[1]["responses"] == 0
    assert rt.totals()["messages"] == 2


def test_figures_rebuilt_from_the_usage_log_match_the_live_clock(db_file):
    clock = Clock()
    live = ResponseTimer(clock=clock)
    with UsageLog(db_file, clock=clock) as log:
        for k, (conv, wait) in enumerate([("甲", 8), ("乙", 25), ("甲", 41), ("丙", 3)]):
            clock.t = T0 + k * 300
            ref = log.received("在吗", conversation=conv)
            live.message_arrived(conv)
            clock.t += wait
            log.sent(ref, None, "在的亲")
            live.replied(conv)
    rebuilt = ResponseTimer(clock=clock)
    rebuilt.load_today(db_file)
    assert rebuilt.today() == live.today()
    assert rebuilt.today()["avg_response_s"] == pytest.approx((8 + 25 + 41 + 3) / 4, abs=0.06)
    assert rebuilt.today()["over_warn"] == 1


def test_threshold_must_be_positive():
    with pytest.raises(ValueError):
        ResponseTimer(warn_after=0)
