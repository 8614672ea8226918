"""Spreadsheets in Debian's Chromium, in Chinese: an assessor downloads the findings template, fills it in, uploads it
with a bad row and reads the report, uploads it corrected and reads what was created, then uploads it again; a
supervisor follows a unit from the cockpit to its scorecard, changes the period and reads the ranking, the formula
and the unit's monthly trend. Screenshots go with the pages tests' own, under var/test-screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from tests.pages import test_pages_in_browser as base
from tracker import dashboard
from tracker.models import Finding, Ticket
from workflows import clocks
from workflows.machine import TicketState

pytestmark = base.pytestmark
browser = base.browser
open_as = base.open_as
screenshot = base.screenshot


@pytest.fixture(autouse=True)
def fresh_cache():
    """The cockpit's figures are kept in the process's cache: each test starts without."""
    from django.core.cache import cache

    cache.clear()


def fill_template(template_path, dest, rows: list[dict[str, object]]) -> None:
    """Fill in the downloaded template as an office would: one row per finding under its headings, from row 2."""
    workbook = load_workbook(template_path)
    sheet = workbook.worksheets[0]
    headings = [cell.value for cell in sheet[1]]
    for number, values in enumerate(rows, start=2):
        for column, heading in enumerate(headings, start=1):
            sheet.cell(row=number, column=column, value=values.get(heading))
    workbook.save(dest)


def test_an_assessor_imports_findings_from_the_template(world, live_server, open_as, tmp_path):
    page = open_as("assessor", width=1280)
    page.click("nav.main-nav >> text=导入问题")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "从电子表格导入问题"
    base.assert_every_input_labelled(page)

    with page.expect_download() as download:
        page.click("text=下载模板（中文表头，.xlsx）")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename == "问题清单导入模板.xlsx"
    headings = [c.value for c in load_workbook(template).worksheets[0][1]]
    assert "责任单位" in headings and "问题描述" in headings

    due = clocks.today() + dt.timedelta(days=120)

    def row(n: int, unit: str) -> dict[str, object]:
        return {
            "考核名称": world.indicator.appraisal.name,
            "考核指标": world.indicator.code,
            "问题来源": "市委第三巡察组",
            "文号": "临巡反馈〔2026〕7号",
            "问题序号": str(n),
            "问题描述": f"第{n}项：饮用水水源地保护区内仍有违规养殖",
            "责任单位": unit,
            "整改时限": due,
        }

    bad = tmp_path / "问题清单-有误.xlsx"
    fill_template(template, bad, [row(1, "生态环境局"), row(2, "环境保护局（已撤并）"), row(3, "住建局")])
    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('检查并导入')")
    page.wait_for_load_state()
    assert page.inner_text(".outcome h2") == "没有导入任何内容"
    problems = page.locator("table.problems tbody tr")
    assert problems.count() == 1
    assert problems.first.get_attribute("data-row") == "3"
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[0] == "3" and "责任单位" in cells[1] and cells[2] == "单位不存在"
    assert "环境保护局（已撤并）" in cells[3]
    assert not Finding.objects.exists()
    screenshot(page, "findings-import-report.png")
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "findings-import-report-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    good = tmp_path / "问题清单.xlsx"
    fill_template(template, good, [row(1, "生态环境局"), row(2, "住建局"), row(3, "清河县教育局")])
    page.set_input_files("input[name=file]", str(good))
    page.click("button:has-text('检查并导入')")
    page.wait_for_load_state()
    assert page.inner_text(".outcome h2") == "已导入3条问题。"
    assert page.inner_text("[data-created]") == "3"
    assert page.locator(".outcome table tbody tr").count() == 3
    assert Ticket.objects.count() == 3
    screenshot(page, "findings-import-done.png")

    page.set_input_files("input[name=file]", str(good))
    page.click("button:has-text('检查并导入')")
    page.wait_for_load_state()
    assert page.inner_text("[data-created]") == "0"
    assert "此前均已导入" in page.inner_text(".outcome h2")
    assert "第 2、3、4 行" in page.inner_text(".outcome")
    assert Ticket.objects.count() == 3
    screenshot(page, "findings-import-again.png")


def test_a_supervisor_reads_the_scorecards_for_a_period(world, live_server, open_as):
    # Last month: the 住建局 closed its ticket on time; the 生态环境局 closed one and let another run overdue.
    last_month = (clocks.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    due = last_month + dt.timedelta(days=20)
    closed = {"state": TicketState.CLOSED, "stage_deadline": None, "next_action_at": None}
    tickets = [
        (world.dept_a, {"closed_on": due - dt.timedelta(days=2), **closed}),
        (world.dept_a, {"state": TicketState.RECTIFYING, "stage_deadline": due}),
        (world.dept_b, {"closed_on": due - dt.timedelta(days=5), **closed}),
    ]
    for unit, fields in tickets:
        ticket = world.ticket(unit=unit, description="建筑工地扬尘管控不到位")
        Ticket.objects.filter(pk=ticket.pk).update(assigned_on=last_month, due_on=due, original_due_on=due, **fields)
    dashboard.figures_refresh(force=True)

    page = open_as("supervisor", width=1280)
    assert page.url.endswith("/dashboard/")
    page.click(f"table.ranking a[href^='/scorecards/?unit={world.dept_a.pk}']")
    page.wait_for_load_state()
    assert page.inner_text("h1").startswith("单位整改考评：")
    trend = page.locator(f"details#unit-{world.dept_a.pk}")
    assert trend.get_attribute("open") is not None
    assert trend.locator("svg.chart").first.is_visible()

    page.click("nav.period-kinds >> text=月度")
    page.wait_for_load_state()
    page.fill("#s-value", f"{last_month:%Y-%m}")
    page.click("form.period-form button[type=submit]")
    page.wait_for_load_state()
    assert f"value={last_month:%Y-%m}" in page.url
    assert page.inner_text("h1") == f"单位整改考评：{last_month:%Y年%m月}"
    ranked = page.locator("table.scoreboard tbody tr")
    assert ranked.count() == 2
    assert ranked.nth(0).locator("th").inner_text() == "住建局"
    assert ranked.nth(0).locator("td.score").inner_text() == "100.00"
    assert ranked.nth(1).locator("td.score").inner_text() == "50.00"
    assert page.locator("#formula").is_visible()
    assert "加权按期率" in page.inner_text("#formula")
    other = page.locator(f"details#unit-{world.dept_b.pk}")
    if other.get_attribute("open") is None:
        other.locator("summary").click()
    chart = page.locator(f"details#unit-{world.dept_b.pk} svg.chart").first
    assert chart.is_visible()
    assert chart.get_attribute("aria-label") == "住建局：每月收到的整改事项及其现状"
    screenshot(page, "scorecards-supervisor.png")
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "scorecards-phone.png")
