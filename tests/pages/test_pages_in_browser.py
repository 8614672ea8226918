"""The pages in a real browser: Debian's Chromium driven by Playwright against the live test server.

In CI these never skip: a missing Chromium fails the run (the launch fails), as a missing PostgreSQL does.
Screenshots of each page, in Chinese, are kept under var/test-screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import time_machine

from tests.factories import drive, evidence_file, notice_over
from tracker import services
from tracker.models import Evidence, Ticket
from workflows import calendar

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Chromium is not installed"),
]
# Playwright's sync API runs an event loop in this thread; the ORM calls below happen before or after it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, live_server):
    """A fresh browser context signed in as `username`, in Chinese, at 1366 px; CSP violations fail the test."""
    violations: list[str] = []

    def sign_in(username: str, *, width: int = 1366):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                violations.append(f"{page.url}: {m.text} {m.location}") if "Content Security Policy" in m.text else None
            ),
        )
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield sign_in
    assert violations == []


def screenshot(page, name: str) -> None:
    """A picture of the page for a person to look at, not a check: Chromium once refused to capture one on a busy
    machine ("Unable to capture screenshot") after every assertion had passed, so a refusal is a warning."""
    import warnings

    from django.conf import settings
    from playwright.sync_api import Error

    path = Path(settings.VAR_DIR) / "test-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(path / name), full_page=True)
    except Error as refusal:
        warnings.warn(f"no screenshot {name}: {refusal.message}", stacklevel=2)


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
    .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map(el => el.name || el.outerHTML)"""


def assert_every_input_labelled(page) -> None:
    assert page.evaluate(UNLABELLED) == [], page.url


def submit(page, panel: str) -> None:
    """Open a panel of the ticket page, if closed, and send its form."""
    details = page.locator(f"#do-{panel}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    details.locator("button[type=submit]").click()
    page.wait_for_load_state()


def fill(page, panel: str, values: dict[str, str]) -> None:
    details = page.locator(f"#do-{panel}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for name, value in values.items():
        details.locator(f"[name={name}]").fill(value)


def test_a_ticket_lives_its_whole_life_in_the_browser(world, live_server, open_as, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The assessor logs the finding.
    page = open_as("assessor")
    page.goto(f"{live_server.url}/findings/new/")
    assert page.inner_text("h1") == "登记问题"
    page.select_option("select[name=indicator]", str(world.indicator.pk))
    page.select_option("select[name=unit]", str(world.dept_a.pk))
    page.fill("textarea[name=description]", "饮用水水源地一级保护区内仍有违规养殖")
    page.fill("input[name=source]", "市考核办反馈意见")
    page.fill("input[name=document_number]", "临考办〔2026〕12号")
    assert_every_input_labelled(page)
    screenshot(page, "finding-new.png")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    ticket = Ticket.objects.get(finding__description="饮用水水源地一级保护区内仍有违规养殖")
    assert page.url.endswith(f"/tickets/{ticket.pk}/")
    assert "已交办" in page.inner_text(".ticket-head")

    # The unit officer submits the plan; the head signs for the ticket with it; the officer reports progress with
    # two files and asks for an extension.
    page = open_as("officer_a")
    assert page.url.endswith("/workspace/")
    assert ticket.number in page.inner_text("main")
    screenshot(page, "workspace-officer.png")
    page.click(f"text={ticket.number}")
    page.wait_for_load_state()
    fill(
        page,
        "submit_plan",
        {
            "measures": "1. 立即清理违规养殖；2. 设立界桩；3. 建立巡查制度。",
            "goal": "一级保护区内无养殖",
            "responsible_person": "陈局长",
            "target_date": ticket.due_on.isoformat(),
            "milestone_title_1": "完成清理",
            "milestone_due_1": ticket.due_on.isoformat(),
        },
    )
    submit(page, "submit_plan")
    assert "待主要负责人签批" in page.inner_text("main")
    head = open_as("head_a")
    head.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    head.locator("#do-accept summary").click()
    assert head.input_value("#accept-goal") == "一级保护区内无养殖"  # the officer's plan, ready to sign
    screenshot(head, "ticket-head-signs.png")
    submit(head, "accept")
    assert "整改中" in head.inner_text(".ticket-head")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    first, second = tmp_path / "现场照片.png", tmp_path / "整改报告.pdf"
    first.write_bytes(b"\x89PNG\r\n\x1a\nphoto")
    second.write_bytes(b"%PDF-1.4 report")
    fill(page, "progress", {"text": "已清理养殖网箱 12 处", "percent": "60"})
    page.locator("#do-progress input[type=file]").set_input_files([str(first), str(second)])
    assert page.locator("#do-progress ul.files li").count() == 2
    submit(page, "progress")
    assert "已清理养殖网箱 12 处" in page.inner_text("ol.events")
    assert {e.name for e in Evidence.objects.filter(ticket=ticket)} == {"现场照片.png", "整改报告.pdf"}
    later = calendar.add_workdays(Ticket.objects.get(pk=ticket.pk).due_on, 10)
    fill(page, "extension", {"requested_deadline": later.isoformat(), "reason": "界桩采购需走政府采购程序"})
    submit(page, "extension")
    assert "界桩采购需走政府采购程序" in page.inner_text("main")
    screenshot(page, "ticket-officer.png")

    # The supervisor approves the extension from the workspace.
    page = open_as("supervisor")
    page.goto(f"{live_server.url}/workspace/")
    screenshot(page, "workspace-supervisor.png")
    assert_every_input_labelled(page)
    decision = page.locator("form.decide").first
    decision.locator("input[value='1']").check()
    decision.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert Ticket.objects.get(pk=ticket.pk).due_on == later

    # The unit head signs off the public explanation; the assessor sends it back once.
    page = open_as("head_a")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    fill(page, "explain", {"explanation": "违规养殖已全部清理，界桩已设立。"})
    submit(page, "explain")
    assert "已公示" in page.inner_text(".ticket-head")
    page = open_as("assessor")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    new_deadline = calendar.add_workdays(later, 5)
    fill(page, "reject", {"reason": "界桩数量不足，请补设", "new_deadline": new_deadline.isoformat()})
    submit(page, "reject")
    assert "整改中" in page.inner_text(".ticket-head")
    assert "界桩数量不足，请补设" in page.inner_text("ol.events")
    page = open_as("head_a")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    fill(page, "explain", {"explanation": "已补设界桩 20 处，违规养殖全部清理。"})
    submit(page, "explain")
    explained = Ticket.objects.get(pk=ticket.pk)
    assert explained.state == "explained"

    # After the notice period the assessor verifies and the supervisor closes it.
    with time_machine.travel(notice_over(explained), tick=True):
        page = open_as("assessor")
        page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
        fill(page, "verify", {"comment": "现场核查属实"})
        submit(page, "verify")
        assert "已验收" in page.inner_text(".ticket-head")
        page = open_as("supervisor")
        page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
        submit(page, "close")
        assert "已销号" in page.inner_text(".ticket-head")
        history = page.inner_text("ol.events")
        for said in ("签收", "报送进展", "申请延期", "退回重改", "验收", "销号", "现场核查属实"):
            assert said in history, said
        screenshot(page, "ticket-closed.png")
    assert Ticket.objects.get(pk=ticket.pk).state == "closed"


def test_a_unit_officer_cannot_open_another_units_ticket_or_evidence_by_url(
    world, live_server, open_as, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ticket = drive(world, world.ticket(unit=world.dept_a), "rectifying")
    (evidence,) = services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file()])
    page = open_as("officer_b")
    for path in (f"/tickets/{ticket.pk}/", f"/evidence/{evidence.pk}/", f"/api/v1/evidence/{evidence.pk}/file/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "未找到" in page.inner_text("h1")
    screenshot(page, "not-found.png")
    page.goto(f"{live_server.url}/ledger/?q={ticket.number}")
    assert ticket.number not in page.inner_text("main")


def test_each_page_in_chinese_and_on_a_phone(world, live_server, open_as):
    ticket = drive(world, world.ticket(co_units=[world.dept_b], description="扬尘管控台账缺失"), "explained")
    world.ticket(unit=world.dept_b, description="他单位的问题")
    page = open_as("officer_a")
    page.goto(f"{live_server.url}/ledger/")
    assert page.inner_text("h1") == "整改台账"
    ledger = page.inner_text("table.ledger")
    assert ticket.number in ledger and "他单位的问题" not in ledger
    for english in ("Rectifying", "explained", "working days"):
        assert english not in page.inner_text("main"), english
    screenshot(page, "ledger.png")
    assert_every_input_labelled(page)
    page.select_option("select[name=warning]", "green")
    page.click("form[data-filters] button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/ledger/?warning=green")  # only the filters in use, so the address can be shared
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "年" in page.inner_text("ol.events")  # dates as 2026年3月5日
    screenshot(page, "ticket.png")
    assert_every_input_labelled(page)
    page.goto(f"{live_server.url}/inbox/")
    screenshot(page, "inbox.png")
    assert_every_input_labelled(page)
    page.select_option("form.lang select", "en")  # the header switch, not the language of messages
    page.click("form.lang button")
    page.wait_for_load_state()
    assert "Messages" in page.inner_text("h1")
    phone = open_as("head_a", width=390)
    phone.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    screenshot(phone, "ticket-phone.png")
    phone.goto(f"{live_server.url}/ledger/")
    screenshot(phone, "ledger-phone.png")


def test_the_sign_in_page_says_when_to_try_again_after_too_many_failures(world, live_server, browser, settings):
    page = browser.new_context(locale="zh-CN").new_page()
    screenshot_taken = False
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto(f"{live_server.url}/accounts/login/")
        if not screenshot_taken:
            screenshot(page, "login.png")
            screenshot_taken = True
        page.fill("input[name=username]", "officer_a")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    assert "登录失败次数过多" in page.inner_text("h1")
    assert "之后再试" in page.inner_text("main")
    screenshot(page, "locked-out.png")
