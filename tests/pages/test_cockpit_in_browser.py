"""The cockpit and the public register in Debian's Chromium, in Chinese: a supervisor reads the cockpit, finds it
agrees with the ledger, follows a red unit into its tickets and lists one for supervision; the public, on a phone,
sees it listed, reads an explanation and says it is not satisfied; the assessor finds that waiting and reopens.
Screenshots go with the pages tests' own, under var/test-screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import drive
from tests.pages import test_pages_in_browser as base
from tracker import dashboard
from tracker.models import Ticket
from workflows import calendar, clocks

pytestmark = base.pytestmark
browser = base.browser
open_as = base.open_as
screenshot = base.screenshot


@pytest.fixture(autouse=True)
def fresh_cache():
    """The register's pages and the cockpit's figures are kept in the process's cache: each test starts without."""
    from django.core.cache import cache

    cache.clear()


def overdue(world, unit, days: int, description: str) -> Ticket:
    ticket = drive(world, world.ticket(unit=unit, description=description), "rectifying")
    Ticket.objects.filter(pk=ticket.pk).update(stage_deadline=calendar.subtract_workdays(clocks.today(), days))
    return ticket


def scene(world) -> Ticket:
    for i, days in enumerate((12, 6, 3)):
        overdue(world, world.dept_a, days, f"饮用水水源地保护区违规养殖问题（第{i + 1}处）")
    overdue(world, world.dept_b, 2, "老旧小区改造进度滞后")
    overdue(world, world.county_dept, 4, "校舍安全隐患排查不彻底")
    for description in ("建筑工地扬尘管控不到位", "城区黑臭水体治理反弹"):
        drive(world, world.ticket(unit=world.dept_b, description=description), "rectifying")
    explained = drive(world, world.ticket(description="河道两岸违规堆放建筑垃圾"), "explained")
    dashboard.figures_refresh(force=True)
    return explained


def test_supervisor_public_and_assessor_in_the_browser(world, live_server, open_as, browser):
    explained = scene(world)

    # The supervisor lands on the cockpit; its red count is the ledger's.
    page = open_as("supervisor", width=1600)
    assert page.url.endswith("/dashboard/")
    assert page.inner_text("h1") == "督查驾驶舱"
    red = page.inner_text("strong[data-colour=red]")
    assert red == "5"
    screenshot(page, "cockpit-supervisor.png")
    page.goto(f"{live_server.url}/ledger/")
    assert page.inner_text(".colours li.red strong") == red

    # The red unit at the top of the ranking leads into its overdue tickets; one is listed for supervision.
    page.goto(f"{live_server.url}/dashboard/")
    top = page.locator("table.ranking tbody tr").first
    assert top.locator("th").inner_text() == "生态环境局"
    top.locator("a.warn.red").click()
    page.wait_for_load_state()
    assert "warning=red" in page.url and f"unit={world.dept_a.pk}" in page.url
    numbers = page.locator("table.ledger tbody td.num a").all_inner_texts()
    assert len(numbers) == 3
    number = numbers[0]
    page.goto(f"{live_server.url}/dashboard/")
    page.fill("#list-number", number)
    page.fill("#list-reason", "超期时间长，群众反映强烈")
    page.click("text=挂牌督办 >> xpath=ancestor::form//button[@type='submit']")
    page.wait_for_load_state()
    assert "挂牌督办" in page.inner_text(".flash")
    listed = Ticket.objects.get(number=number)
    assert listed.listed
    # The longest overdue of the rest is listed with its own button in the list of the most overdue.
    first = page.locator("#actions ul.items li").first
    other = Ticket.objects.get(number=first.locator("a").inner_text())
    first.locator("button", has_text="挂牌").click()
    page.wait_for_load_state()
    assert Ticket.objects.get(pk=other.pk).listed
    assert other.number in page.inner_text("#now-title + .now .card:first-child")
    screenshot(page, "cockpit-after-listing.png")

    # The public, on a 360 px phone and without an account, sees the listing and reads the explanation.
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    phone = context.new_page()
    phone.goto(f"{live_server.url}/public/")
    assert listed.finding.description[:12] in phone.inner_text("#listed-title + ul")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "public-register-phone.png")
    phone.click(f"a[href='/public/{explained.pk}/']")
    phone.wait_for_load_state()
    assert "已整改" in phone.inner_text("article")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.check("input[value=dissatisfied]")
    phone.fill("#fb-comment", "河道边上还有垃圾，没有清理干净")
    phone.wait_for_timeout(3200)  # a person reads before rating: the form refuses what comes back within 3 s
    phone.click("text=提交评价")
    phone.wait_for_load_state()
    assert "感谢" in phone.inner_text(".thanks")
    screenshot(phone, "public-notice-phone.png")
    assert context.cookies() == []
    context.close()
    explained.refresh_from_db()
    assert explained.review_pending

    # The assessor finds it waiting on the cockpit and reopens it (sent back to the unit, with a new deadline).
    page = open_as("assessor", width=1600)
    page.goto(f"{live_server.url}/dashboard/")
    item = page.locator(f"#review-{explained.pk}")
    assert "没有清理干净" in item.inner_text()
    item.locator("summary").click()
    item.locator("input[value=reopen]").check()
    item.locator("textarea[name=reason]").fill("群众反映仍有垃圾，退回重改")
    item.locator("input[name=new_deadline]").fill((calendar.add_workdays(clocks.today(), 15)).isoformat())
    screenshot(page, "cockpit-assessor-review.png")
    item.locator("button[type=submit]").click()
    page.wait_for_load_state()
    explained.refresh_from_db()
    assert (explained.state, explained.review_pending) == ("rectifying", False)
    assert dt.date.today()  # the page loaded after the decision
    base.assert_every_input_labelled(page)
