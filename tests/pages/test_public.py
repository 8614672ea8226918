"""The public register: nothing unpublished and no person on any of its pages, cacheable, no cookie, and feedback
held to the API's throttle, a honeypot and a minimum time."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client

from notifications.models import Kind, Notification
from notifications.sweep import sweep
from tests.factories import drive, evidence_file
from tracker import dashboard, services
from tracker.models import EventKind, Evidence, Feedback, Ticket, TicketEvent

SECRETS = (
    "陈建国",
    "13912345678",
    "王副市长",
    "内部措施甲",
    "内部目标乙",
    "未公开问题丙",
    "秘密材料.pdf",
    "进展细节丁",
    "officer_a",
    "head_a",
    "assessor",
    "supervisor",
    "群众留言戊",
    "Zhang Wei",
)


@pytest.fixture(autouse=True)
def fresh_cache():
    """The register's pages and the feedback throttle's counters are kept in the process's caches: each test starts
    without them."""
    from django.conf import settings
    from django.core.cache import caches

    caches["default"].clear()
    caches[settings.API_THROTTLE_CACHE].clear()


class Texts(HTMLParser):
    """Every text node and every attribute value of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data):
        self.found.append(data)

    def handle_starttag(self, tag, attrs):
        self.found.extend(value or "" for _name, value in attrs)


def every_field(html: str) -> str:
    parser = Texts()
    parser.feed(html)
    return "\n".join(parser.found)


@pytest.fixture
def register(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world.head_a.first_name, world.head_a.last_name = "Wei", "Zhang"
    world.head_a.save()
    secret = world.ticket(description="未公开问题丙", responsible_person="陈建国", lead_official="王副市长")
    published = world.ticket(responsible_person="陈建国", lead_official="王副市长")
    services.ticket_accept(
        ticket_id=published.pk,
        actor=world.head_a,
        version=1,
        measures="内部措施甲",
        goal="内部目标乙",
        responsible_person="陈建国",
        target_date=published.due_on,
        contact_phone="13912345678",
    )
    services.progress_report(ticket_id=published.pk, actor=world.officer_a, text="进展细节丁", percent=60)
    services.evidence_add(ticket_id=published.pk, actor=world.officer_a, files=[evidence_file("秘密材料.pdf")])
    services.evidence_add(
        ticket_id=published.pk, actor=world.officer_a, files=[evidence_file("整改前后对比.pdf")], public=True
    )
    published = drive(world, Ticket.objects.get(pk=published.pk), "explained")
    services.feedback_give(ticket_id=published.pk, rating="satisfied", comment="群众留言戊")
    listed = drive(world, world.ticket(description="挂牌问题", responsible_person="陈建国"), "rectifying")
    services.ticket_list(ticket_id=listed.pk, actor=world.supervisor, reason="严重超期")
    dashboard.figures_refresh(force=True)
    return {"secret": secret, "published": published, "listed": listed}


def public_pages(register) -> dict[str, str]:
    t = register
    return {
        "register": "/public/",
        "register, English": "/public/?lang=en",
        "register by unit": f"/public/?unit={t['published'].lead_unit_id}",
        "register by dimension": "/public/?dimension=green&state=explained",
        "notice": f"/public/{t['published'].pk}/",
        "listed": f"/public/{t['listed'].pk}/",
        "notice after feedback": f"/public/{t['published'].pk}/?thanks=1",
    }


def test_no_person_and_nothing_unpublished_on_any_public_page(register):
    client = Client()
    for name, url in public_pages(register).items():
        response = client.get(url)
        assert response.status_code == 200, name
        fields = every_field(response.content.decode())
        for secret in SECRETS:
            assert secret not in fields, (name, secret)
        assert not response.cookies, name
    assert "整改前后对比.pdf" in every_field(client.get(f"/public/{register['published'].pk}/").content.decode())
    assert "挂牌问题" in every_field(client.get("/public/").content.decode())
    assert client.get(f"/public/{register['secret'].pk}/").status_code == 404


def test_only_published_evidence_can_be_fetched(register):
    client = Client()
    ticket = register["published"]
    public = Evidence.objects.get(ticket=ticket, public=True)
    private = Evidence.objects.get(ticket=ticket, name="秘密材料.pdf")
    assert client.get(f"/public/{ticket.pk}/files/{public.pk}/").status_code == 200
    assert client.get(f"/public/{ticket.pk}/files/{private.pk}/").status_code == 404


def test_the_register_is_cacheable_and_needs_no_cookie(register):
    response = Client().get("/public/")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


def test_the_register_reads_a_fixed_number_of_statements(register, world, django_assert_max_num_queries):
    client = Client()
    client.get("/public/")
    with django_assert_max_num_queries(8):
        client.get("/public/")
    for _ in range(4):
        drive(world, world.ticket(), "explained")
    with django_assert_max_num_queries(8):
        client.get("/public/")
    with django_assert_max_num_queries(8):
        client.get(f"/public/{register['published'].pk}/")


def form_token(client, ticket) -> str:
    return re.search(r'name="t" value="([^"]+)"', client.get(f"/public/{ticket.pk}/").content.decode()).group(1)


def test_feedback_from_the_form_counts_and_dissatisfaction_flags_a_review(register):
    client, ticket = Client(), register["published"]
    token = form_token(client, ticket)
    with time_machine.travel(dt.timedelta(seconds=10)):
        for rating in ("dissatisfied", "dissatisfied"):
            response = client.post(
                f"/public/{ticket.pk}/feedback/", {"t": token, "rating": rating, "comment": "没变化"}
            )
            assert response.status_code == 303
    ticket.refresh_from_db()
    assert Feedback.objects.filter(ticket=ticket).count() == 3
    # one satisfied and one dissatisfied: 50 % is above the policy's 30 %
    assert ticket.review_pending
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REVIEW_REQUESTED).count() == 1
    sweep()
    told = Notification.objects.filter(ticket=ticket, kind=Kind.REVIEW_REQUESTED, channel="inapp")
    assert list(told.values_list("recipient__username", flat=True)) == ["assessor"]


def test_a_form_sent_at_once_or_forged_or_with_the_honeypot_stores_nothing(register):
    client, ticket = Client(), register["published"]
    token = form_token(client, ticket)
    assert client.post(f"/public/{ticket.pk}/feedback/", {"t": token, "rating": "satisfied"}).status_code == 400
    with time_machine.travel(dt.timedelta(seconds=10)):
        assert client.post(f"/public/{ticket.pk}/feedback/", {"t": "forged", "rating": "satisfied"}).status_code == 400
        bot = client.post(f"/public/{ticket.pk}/feedback/", {"t": token, "rating": "satisfied", "website": "x"})
        assert bot.status_code == 303
    assert Feedback.objects.filter(ticket=ticket).count() == 1


def test_the_form_shares_the_apis_throttle(register, settings):
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], "feedback_notice": "2/day"}
    settings.REST_FRAMEWORK = framework
    from django.core.cache import caches

    caches[settings.API_THROTTLE_CACHE].clear()
    client, ticket = Client(), register["published"]
    token = form_token(client, ticket)
    with time_machine.travel(dt.timedelta(seconds=10)):
        api = client.post(
            f"/api/v1/public/notices/{ticket.pk}/feedback/", {"rating": "satisfied"}, content_type="application/json"
        )
        assert api.status_code == 201
        assert client.post(f"/public/{ticket.pk}/feedback/", {"t": token, "rating": "satisfied"}).status_code == 303
        refused = client.post(f"/public/{ticket.pk}/feedback/", {"t": token, "rating": "satisfied"})
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Feedback.objects.filter(ticket=ticket).count() == 3


def test_a_browser_that_has_the_page_is_answered_304_without_it(register):
    client = Client()
    for url in ("/public/", f"/public/{register['published'].pk}/"):
        first = client.get(url)
        assert first.status_code == 200 and first["ETag"]
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again.content == b""
        assert client.get(url, HTTP_IF_NONE_MATCH='"another"').status_code == 200


def test_every_page_of_the_register_shows_each_units_figures_in_its_own_language(register, world):
    """The units' table is rendered once per refresh and language and shown on every page and filter."""
    client = Client()
    chinese = client.get(f"/public/?unit={world.dept_a.pk}").content.decode()
    english = client.get("/public/?lang=en").content.decode()
    assert "各单位整改情况" in chinese and "How each unit is doing" not in chinese
    assert "How each unit is doing" in english and "各单位整改情况" not in english
    for html, suffix in ((chinese, ""), (english, "&amp;lang=en")):
        assert f'<a href="?unit={world.dept_a.pk}{suffix}">{world.dept_a.name}</a>' in html


def test_the_unit_chooses_on_the_ticket_page_which_evidence_the_register_shows(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = drive(world, world.ticket(), "rectifying")
    officer = as_user("officer_a")
    ticket_page = officer.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="public"' in ticket_page and 'type="checkbox"' in ticket_page
    for name, public in (("整改后现场照片.pdf", True), ("内部核查记录.pdf", False)):
        ticket.refresh_from_db()
        data = {"version": ticket.version, "files": [evidence_file(name)]}
        if public:
            data["public"] = "on"
        assert officer.post(f"/tickets/{ticket.pk}/evidence/", data).status_code == 302
    shown, kept = Evidence.objects.get(name="整改后现场照片.pdf"), Evidence.objects.get(name="内部核查记录.pdf")
    assert (shown.public, kept.public) == (True, False)
    marked = officer.get(f"/tickets/{ticket.pk}/").content.decode()
    assert marked.count("已在公示页面公开") == 1
    assert Client().get(f"/public/{ticket.pk}/").status_code == 404  # not published yet: nothing shows
    drive(world, Ticket.objects.get(pk=ticket.pk), "explained")
    notice = every_field(Client().get(f"/public/{ticket.pk}/").content.decode())
    assert "整改后现场照片.pdf" in notice and "内部核查记录.pdf" not in notice
    assert Client().get(f"/public/{ticket.pk}/files/{shown.pk}/").status_code == 200
    assert Client().get(f"/public/{ticket.pk}/files/{kept.pk}/").status_code == 404
