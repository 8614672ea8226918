"""The unit scorecards page: who may read it and over which units, the period it counts, the figures and the formula
it shows, the monthly trend as a chart with its table, the .xlsx, the cockpit's links to it, and what it costs."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tracker import dashboard, scorecards
from tracker.models import Ticket
from tracker.sheets import XLSX_CONTENT_TYPE
from workflows import clocks
from workflows.machine import TicketState

TODAY = dt.date(2026, 10, 14)


def at(day: dt.date) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=clocks.SHANGHAI), tick=False)


def make(world, assigned: dt.date, unit, **fields) -> Ticket:
    with at(assigned):
        ticket = world.ticket(unit=unit)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def ledger(world):
    """September 2026: the 生态环境局 (dept_a) closed one ticket on time and lets another run overdue (score 50);
    the 住建局 (dept_b) closed its one on time (score 100); the county's department received one in August and has
    not signed for it (score 0)."""
    closed = {"state": TicketState.CLOSED, "stage_deadline": None, "next_action_at": None}
    due = {"due_on": dt.date(2026, 9, 30), "original_due_on": dt.date(2026, 9, 30)}
    make(world, dt.date(2026, 9, 1), world.dept_a, closed_on=dt.date(2026, 9, 29), **closed, **due)
    make(world, dt.date(2026, 9, 2), world.dept_a, state=TicketState.RECTIFYING, stage_deadline=due["due_on"], **due)
    make(world, dt.date(2026, 9, 3), world.dept_b, closed_on=dt.date(2026, 9, 20), **closed, **due)
    make(world, dt.date(2026, 8, 5), world.county_dept)


def ranking(html: str) -> list[tuple[str, str, str]]:
    """(rank, unit, score) of each row of the ranked table."""
    body = html[html.index('<table class="data compact scoreboard">') :]
    body = body[: body.index("</table>")]
    return [
        (rank, unit, score)
        for rank, unit, score in re.findall(
            r'<td class="n rank">([^<]*)</td>\s*<th scope="row" class="unit"><a [^>]*>([^<]*)</a></th>\s*'
            r'<td class="n score">(?:<strong>)?([^<]*)',
            body,
        )
    ]


@pytest.mark.parametrize("username", ["officer_a", "head_a", "outsider"])
def test_people_who_oversee_no_unit_may_not_read_the_scorecards_nor_find_a_link_to_them(world, as_user, username):
    client = as_user(username)
    assert client.get("/scorecards/").status_code == 403
    assert client.get("/scorecards/xlsx/").status_code == 403
    assert 'href="/scorecards/"' not in client.get("/workspace/").content.decode()


def test_the_ranking_shows_every_figure_and_the_formula_beside_the_score(world, as_user, ledger):
    with at(TODAY):
        page = as_user("supervisor").get("/scorecards/?period=month&value=2026-09")
    html = page.content.decode()
    assert page.status_code == 200
    assert ranking(html) == [("1", "住建局", "100.00"), ("2", "生态环境局", "50.00")]
    assert "单位整改考评：2026年09月" in html
    formula = scorecards.score_formula()
    with_formula = html[html.index('id="formula"') :]
    assert formula.split("；")[0] in with_formula[: with_formula.index("</aside>")]
    for heading in (
        "收到事项",
        "关键指标事项",
        "已撤销（不计入）",
        "当前逾期",
        "原定时限内",
        "延期后时限内",
        "超过整改时限",
        "平均（工作日）",
        "最长（工作日）",
        "退回重改",
        "复号",
        "延期",
        "时限中止",
        "工作日数",
        "满意度",
        "加权按期率",
        "各阶段超时情况",
    ):
        assert heading in html, heading
    # The overdue ticket of the 生态环境局 leads into the ledger's red tickets of that unit.
    assert f'href="/ledger/?unit={world.dept_a.pk}&amp;warning=red">1<' in html
    # Units that received nothing in the period are named apart, not ranked.
    assert "清河县教育局" in html[html.index("此期间未收到整改事项的单位") :]


def test_each_unit_has_its_monthly_trend_as_a_chart_with_its_table(world, as_user, ledger):
    with at(TODAY):
        html = as_user("supervisor").get(f"/scorecards/?period=year&unit={world.dept_a.pk}").content.decode()
    trend = html[html.index(f'id="unit-{world.dept_a.pk}"') :]
    trend = trend[: trend.index("</details>")]
    assert trend.startswith(f'id="unit-{world.dept_a.pk}" open')
    assert trend.count('<svg class="chart"') == 2
    assert 'aria-label="生态环境局：每月收到的整改事项及其现状"' in trend
    assert "<caption>生态环境局各月数据</caption>" in trend
    september = re.search(r"<th scope=\"row\">2026-09</th>((?:<td[^>]*>[^<]*</td>){5})", trend).group(1)
    assert re.findall(r">([^<]*)</td>", september) == ["2", "1", "0", "1", "50.0%"]
    assert f'id="unit-{world.dept_b.pk}"' in html and f'id="unit-{world.county_dept.pk}"' in html


ALL_THREE = [("1", "住建局", "100.00"), ("2", "生态环境局", "50.00"), ("3", "清河县教育局", "0.00")]


@pytest.mark.parametrize(
    ("query", "ranked", "title"),
    [
        ("period=month&value=2026-08", [("1", "清河县教育局", "0.00")], "2026年08月"),
        ("period=quarter&value=2026-Q3", ALL_THREE, "2026年第3季度"),
        ("period=quarter&value=2026-Q4", [], "2026年第4季度"),
        ("period=year", ALL_THREE, "2026"),
    ],
)
def test_the_period_chooses_the_tickets_counted(world, as_user, ledger, query, ranked, title):
    with at(TODAY):
        html = as_user("supervisor").get(f"/scorecards/?{query}").content.decode()
    assert ranking(html) == ranked
    assert f"单位整改考评：{title}" in html


def test_an_appraisal_cycle_counts_its_findings_tickets(world, as_user, ledger):
    appraisal = world.indicator.appraisal
    with at(TODAY):
        html = as_user("supervisor").get("/scorecards/?period=appraisal").content.decode()
    assert f'<option value="{appraisal.pk}" selected>' in html
    assert [unit for _r, unit, _s in ranking(html)] == ["住建局", "生态环境局", "清河县教育局"]


def test_a_period_that_does_not_exist_is_said_and_the_current_one_shown(world, as_user, ledger):
    with at(TODAY):
        page = as_user("supervisor").get("/scorecards/?period=month&value=2026-13")
    html = page.content.decode()
    assert page.status_code == 400
    assert 'role="alert"' in html and "2026-13" in html
    assert "单位整改考评：2026年10月" in html


def test_a_county_supervisor_sees_only_the_county(world, as_user, ledger):
    with at(TODAY):
        html = as_user("county_supervisor").get("/scorecards/?period=year").content.decode()
    assert [unit for _r, unit, _s in ranking(html)] == ["清河县教育局"]
    assert "生态环境局" not in html and "住建局" not in html


def test_narrowing_to_a_subtree(world, as_user, ledger):
    with at(TODAY):
        html = as_user("supervisor").get(f"/scorecards/?period=year&within={world.county.pk}").content.decode()
    assert [unit for _r, unit, _s in ranking(html)] == ["清河县教育局"]


def test_the_xlsx_is_the_same_ranking_for_the_same_period(world, as_user, ledger):
    with at(TODAY):
        response = as_user("supervisor").get("/scorecards/xlsx/?period=month&value=2026-09")
    assert (response.status_code, response["Content-Type"]) == (200, XLSX_CONTENT_TYPE)
    assert "2026-09.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_col=3)]
    assert [r for r in rows if r[2] is not None] == [[1, "住建局", 100.0], [2, "生态环境局", 50.0]]


def test_the_page_and_its_links_are_in_english_for_an_english_reader(world, as_user, ledger):
    client = as_user("assessor")
    client.cookies["django_language"] = "en"
    with at(TODAY):
        html = client.get("/scorecards/?period=quarter&value=2026-Q3").content.decode()
    assert "Unit scorecards: Q3 2026" in html and "How the score is computed" in html
    assert "Weighted timeliness" in html and "Monthly trend of each unit" in html
    assert 'href="?period=quarter&amp;value=2026-Q2" rel="prev"' in html
    assert 'href="?period=quarter&amp;value=2026-Q4" rel="next"' in html


def test_the_cockpit_ranking_links_each_unit_to_its_scorecard(world, as_user, ledger):
    from django.core.cache import cache

    cache.clear()
    with at(TODAY):
        dashboard.figures_refresh(force=True)
        html = as_user("supervisor").get("/dashboard/").content.decode()
    assert f'href="/scorecards/?unit={world.dept_a.pk}#unit-{world.dept_a.pk}"' in html


def test_the_page_reads_a_fixed_number_of_statements(world, as_user, ledger):
    """However many units and tickets: the scoreboard and the trend are each a few aggregate statements."""
    client = as_user("supervisor")
    with at(TODAY):
        client.get("/ledger/")  # the session and the calendar, read once
        with CaptureQueriesContext(connection) as few:
            client.get("/scorecards/?period=year")
    for unit in (world.dept_b, world.county_dept, world.dept_a):
        for day in (3, 10, 17):
            make(world, dt.date(2026, 7, day), unit)
    with at(TODAY), CaptureQueriesContext(connection) as more:
        assert client.get("/scorecards/?period=year").status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries) <= 30


def test_the_xlsx_speaks_chinese_in_its_stage_headings(world, as_user, ledger):
    with at(TODAY):
        response = as_user("supervisor").get("/scorecards/xlsx/?period=month&value=2026-09")
    headings = [c.value for c in load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0][3]]
    assert "当前逾期: 签收" in headings and "超时完成: 销号" in headings
