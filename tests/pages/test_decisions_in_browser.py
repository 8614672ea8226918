"""The decision record in a real browser, in Chinese: accountability opened from an overdue ticket runs through
statement, collective decision and appeal; a fault-tolerance application ends in exemption. Screenshots are kept
under var/test-screenshots/ beside the other pages'."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.factories import drive
from tests.pages.test_pages_in_browser import (  # noqa: F401  (fixtures)
    assert_every_input_labelled,
    browser,
    open_as,
    pytestmark,
    screenshot,
)
from tests.tracker.decision_world import add_bodies
from tracker.models import Decision
from workflows import calendar, clocks
from workflows.decisions import DecisionKind, DecisionState


def _step(page, name: str, values: dict[str, str] | None = None, checks: tuple[str, ...] = ()) -> None:
    panel = page.locator(f"#do-{name}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    for field, value in (values or {}).items():
        panel.locator(f"[name={field}]").fill(value)
    for value in checks:
        panel.locator(f"input[value={value}]").check()
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_accountability_and_fault_tolerance_run_their_procedures_in_the_browser(world, live_server, open_as):  # noqa: F811
    add_bodies(world)
    ticket = drive(world, world.ticket(description="黑臭水体整治未按期完成"), "rectifying")
    overdue = calendar.add_workdays(ticket.due_on, 3)
    with time_machine.travel(clocks.start_of(overdue) + dt.timedelta(hours=10), tick=True):
        # The supervisor opens accountability from the overdue ticket.
        page = open_as("supervisor")
        page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
        assert "逾期" in page.inner_text("main")
        page.click("text=发起问责")
        page.wait_for_load_state()
        assert page.inner_text("h1") == "发起问责"
        page.fill("textarea[name=facts]", "黑臭水体整治逾期三个工作日仍未完成，挂牌督办后推进不力")
        page.fill("input[name=rule]", "《中国共产党问责条例》第七条")
        assert_every_input_labelled(page)
        screenshot(page, "decision-open-accountability.png")
        page.click("form.decision-open button[type=submit]")
        page.wait_for_load_state()
        decision = Decision.objects.get(kind=DecisionKind.ACCOUNTABILITY)
        assert page.url.endswith(f"/decisions/{decision.pk}/")
        assert "已启动" in page.inner_text(".ticket-head")
        assert ticket.number in page.inner_text("main")

        # The discipline inspection body investigates and tells the subject the facts found.
        page = open_as("discipline")
        page.goto(f"{live_server.url}/decisions/{decision.pk}/")
        _step(page, "investigate", {"note": "调取整改台账及督办记录"})
        _step(page, "request_statement", {"facts_told": "整改期限届满后三个工作日仍未完成，且未申请延期"})
        assert "陈述申辩" in page.inner_text(".ticket-head")

        # The unit, the subject, files its statement and defence.
        page = open_as("officer_a")
        page.goto(f"{live_server.url}/decisions/{decision.pk}/")
        assert "您的陈述申辩与申诉" in page.inner_text("main")
        assert "剩余" in page.inner_text("main")
        page.locator("#do-file_statement textarea[name=statement]").fill("汛期施工受限，已调整方案，预计两周内完成")
        assert_every_input_labelled(page)
        screenshot(page, "decision-statement.png")
        _step(page, "file_statement")
        assert "待集体研究" in page.inner_text(".ticket-head")

        # The body decides; a wrong input is refused on the form first.
        page = open_as("discipline")
        page.goto(f"{live_server.url}/decisions/{decision.pk}/")
        _step(page, "decide", {"deciding_body": ""}, checks=("unit_notice",))
        assert page.locator("#do-decide .errorlist").count() >= 1
        screenshot(page, "decision-decide-refused.png")
        _step(page, "decide", {"deciding_body": "市纪委常委会", "document_number": "临纪〔2026〕8号"}, checks=())
        assert "已决定，执行中" in page.inner_text(".ticket-head")
        screenshot(page, "decision-decided.png")

        # The subject appeals; the decision stays in force.
        page = open_as("officer_a")
        page.goto(f"{live_server.url}/decisions/{decision.pk}/")
        _step(page, "appeal", {"grounds": "逾期系汛期客观原因，请求复查"})
        head = page.inner_text(".ticket-head")
        assert "申诉中" in head and "已决定，执行中" in head
        screenshot(page, "decision-appealed.png")
        decision.refresh_from_db()
        assert decision.state == DecisionState.ENFORCING and decision.measures == ["unit_notice"]

        # The unit applies for fault tolerance from the same ticket; the body exempts it.
        page = open_as("officer_a")
        page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
        assert f"/decisions/{decision.pk}/" in page.content()
        screenshot(page, "decision-ticket-links.png")
        page.click("text=申请容错")
        page.wait_for_load_state()
        page.fill("textarea[name=facts]", "先行先试生态补水新工艺，因设备调试出现延误，已主动纠正")
        page.fill("input[name=rule]", "三个区分开来")
        page.click("form.decision-open button[type=submit]")
        page.wait_for_load_state()
        tolerance = Decision.objects.get(kind=DecisionKind.FAULT_TOLERANCE)
        assert page.url.endswith(f"/decisions/{tolerance.pk}/")
        page = open_as("discipline")
        page.goto(f"{live_server.url}/decisions/{tolerance.pk}/")
        _step(page, "investigate")
        _step(page, "exempt", {"reason": "属于探索性试验中的失误", "basis": "先行先试，未谋取私利"})
        assert "免责" in page.inner_text(".ticket-head")
        screenshot(page, "decision-exempted.png")
        page.goto(f"{live_server.url}/decisions/")
        assert "免责" in page.inner_text("table")
        screenshot(page, "decision-list.png")
    tolerance.refresh_from_db()
    assert tolerance.state == DecisionState.EXEMPTED
