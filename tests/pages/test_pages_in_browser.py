"""The pages in a real browser: Debian's Chromium driven by Playwright against the live test server."""

import os
import re
import shutil

import pytest

from tests.factories import drive

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Chromium is not installed"),
]
# Playwright's sync API runs an event loop in this thread; the ORM calls below happen before or after it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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


def log_in(page, base: str, username: str):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")


def test_officer_sees_the_ledger_opens_a_ticket_and_switches_to_english(world, live_server, browser):
    ticket = drive(world, world.ticket(description="扬尘管控台账缺失"), "rectifying")
    other = world.ticket(unit=world.dept_b, description="他单位的问题")
    page = browser.new_page()
    log_in(page, live_server.url, "officer_a")
    page.wait_for_selector("table.ledger")
    assert "整改台账" in page.inner_text("h1")
    ledger = page.inner_text("table.ledger")
    assert ticket.number in ledger and "扬尘管控台账缺失" in ledger
    assert other.number not in ledger
    page.click(f"text={ticket.number}")
    page.wait_for_selector("ol.events")
    assert "整改中" in page.inner_text("h1")
    assert re.search(r"签收", page.inner_text("ol.events"))
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state()
    assert "Rectifying" in page.inner_text("h1")
    _keep_screenshot(page, "ticket-detail-en.png")


def test_another_units_ticket_is_not_found_in_the_browser(world, live_server, browser):
    ticket = world.ticket(unit=world.dept_a)
    page = browser.new_page()
    log_in(page, live_server.url, "officer_b")
    page.wait_for_selector("table.ledger")
    response = page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert response.status == 404


def _keep_screenshot(page, name: str) -> None:
    """A picture of the page for a person to look at, not a check: Chromium once refused to capture one on a busy
    machine ("Unable to capture screenshot") after every assertion had passed, so a refusal is a warning."""
    import warnings

    from django.conf import settings
    from playwright.sync_api import Error

    path = settings.VAR_DIR / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(path / name))
    except Error as refusal:
        warnings.warn(f"no screenshot {name}: {refusal.message}", stacklevel=2)
