"""`assistant.stats`: top / unused replies, intents, response times, knowledge gaps, export."""
import csv
import time

import pytest

from assistant import stats
from assistant.db import connect
from usage_data import GAP_FAMILIES, fill_usage_log

NOW = time.mktime((2026, 3, 9, 20, 0, 0, 0, 0, -1))


@pytest.fixture
def week(engine, db_file):
    counts = fill_usage_log(engine, db_file, days=7, per_day=25, end=NOW)
    conn = connect(db_file)
    yield conn, counts
    conn.close()


def test_report_counts_replies_intents_and_response_times(week):
    conn, counts = week
    rep = stats.compute(conn, now=NOW)
    assert rep["messages"] == counts["messages"] and rep["answered"] == counts["sent"]
    uses = [t["uses"] for t in rep["top_replies"]]
    assert uses == sorted(uses, reverse=True) and uses[0] >= 2
    top = rep["top_replies"][0]
    assert top["title"] and top["intent"] and top["shown"] >= top["uses"] and 0 < top["use_rate"] <= 1
    used_ids = {t["id"] for t in stats.compute(conn, now=NOW, top=10_000)["top_replies"]}
    assert rep["unused_count"] == rep["replies_total"] - rep["replies_used"]
    assert not used_ids & {u["id"] for u in rep["unused"]}
    assert sum(i["messages"] for i in rep["intents"]) == rep["messages"]
    assert {"intent", "name", "messages", "answered", "share"} <= set(rep["intents"][0])
    resp = rep["response"]
    assert resp["warn_after_s"] == 30 and len(resp["days"]) >= 7
    assert counts["sent"] <= resp["handled"] <= counts["messages"]  # a reply answers all that waited
    assert 4 <= resp["avg_response_s"] <= 70 and resp["first_response_s"] is not None
    assert resp["over_warn"] > 0


def test_knowledge_gaps_group_similar_questions(week):
    conn, counts = week
    rep = stats.compute(conn, now=NOW)
    family_of = {q: f for f, qs in GAP_FAMILIES.items() for q in qs}
    gap_groups = [g for g in rep["gaps"] if g["example"] in family_of]
    assert {family_of[g["example"]] for g in gap_groups} == set(GAP_FAMILIES)
    for g in gap_groups:
        # one group per family: every phrasing in it comes from the same family
        assert {family_of.get(m) for m in g["messages"]} == {family_of[g["example"]]}
        assert g["unanswered"] == g["count"]
    assert sum(g["count"] for g in gap_groups) == counts["gaps"]
    assert rep["gaps"][0]["count"] >= rep["gaps"][-1]["count"]


def test_since_limits_the_period(week):
    conn, _ = week
    full = stats.compute(conn, now=NOW)
    recent = stats.compute(conn, since=stats.parse_since("2d", now=NOW), now=NOW)
    assert 0 < recent["messages"] < full["messages"]
    assert all(d["date"] >= time.strftime("%Y-%m-%d", time.localtime(NOW - 2 * 86400))
               for d in recent["response"]["days"])


def test_export_xlsx_and_csv_for_the_weekly_review(week, tmp_path):
    from openpyxl import load_workbook

    conn, _ = week
    rep = stats.compute(conn, now=NOW)
    stats.export(rep, tmp_path / "week.xlsx")
    wb = load_workbook(tmp_path / "week.xlsx")
    assert wb.sheetnames == ["概览", "常用话术", "未用话术", "意图", "响应时间", "知识缺口"]
    gaps = list(wb["知识缺口"].iter_rows(values_only=True))
    assert gaps[0][:3] == ("序号", "代表问题", "次数") and len(gaps) == len(rep["gaps"]) + 1
    assert wb["常用话术"].max_row == len(rep["top_replies"]) + 1
    stats.export(rep, tmp_path / "week.csv")
    with open(tmp_path / "week.csv", encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert ["# 知识缺口"] in lines and ["# 常用话术"] in lines


def test_empty_log_gives_an_empty_but_complete_report(db_file):
    conn = connect(db_file)
    rep = stats.compute(conn)
    conn.close()
    assert rep["messages"] == 0 and rep["top_replies"] == [] and rep["gaps"] == []
    assert rep["unused_count"] == rep["replies_total"] > 0
    assert rep["response"]["days"] == [] and rep["response"]["avg_response_s"] is None


def test_parse_since():
    assert stats.parse_since("7d", now=1000.0 + 7 * 86400) == 1000.0
    assert stats.parse_since("24h", now=100_000.0) == 100_000.0 - 86400
    assert stats.parse_since("2w", now=2e6) == 2e6 - 14 * 86400
    assert stats.parse_since("all") is None and stats.parse_since(None) is None
    assert stats.parse_since("2026-03-01") == time.mktime((2026, 3, 1, 0, 0, 0, 0, 0, -1))
    with pytest.raises(ValueError):
        stats.parse_since("last tuesday")
