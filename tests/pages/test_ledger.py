"""The ledger page: counts by colour true for the whole filter, keyset pages that keep the filters, bad filters."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
import time_machine

from pages import reads
from pages.views import ledger as ledger_view
from tests.factories import drive
from tracker import selectors
from workflows import calendar, clocks

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"ZG\d{4}-\d{6}")


def test_counts_by_colour_agree_with_each_tickets_own_colour_over_the_whole_filter(world, as_user):
    for _ in range(3):
        world.ticket()
    drive(world, world.ticket(), "rectifying")
    world.ticket(due_on=calendar.add_workdays(clocks.today(), 2))
    later = dt.datetime.combine(calendar.add_workdays(clocks.today(), 8), dt.time(10), tzinfo=clocks.SHANGHAI)
    with time_machine.travel(later):
        tickets = selectors.tickets_visible_to(world.supervisor)
        expected = Counter(str(w) for w in (selectors.ticket_warning(t) for t in tickets) if w)
        counts = reads.colour_counts(tickets)
        assert {k: v for k, v in counts.items() if v} == dict(expected)
        assert counts["red"] >= 1
        response = as_user("supervisor").get("/ledger/")
        assert [n for _c, _l, n in response.context["colours"]] == [
            counts[c] for c in ("green", "yellow", "red", "paused")
        ]


def test_keyset_pages_walk_every_ticket_once_and_keep_the_filters(world, as_user, monkeypatch):
    monkeypatch.setattr(ledger_view, "PAGE_SIZE", 3)
    made = {world.ticket().number for _ in range(7)}
    drive(world, world.ticket(), "rectifying")  # filtered out by state
    client = as_user("assessor")
    seen: list[str] = []
    url = "/ledger/?state=assigned&ordering=due_on"
    for _ in range(5):
        response = client.get(url)
        seen += [row.v["number"] for row in response.context["page"].rows]
        cursor = response.context["page"].next_cursor
        if cursor is None:
            break
        link = re.search(r'href="\?([^"]*after=[^"]*)"', response.content.decode()).group(1).replace("&amp;", "&")
        assert not link.startswith("?")
        assert "state=assigned" in link and "ordering=due_on" in link
        url = f"/ledger/?{link}"
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_a_bad_filter_value_is_refused_with_its_field_named(world, as_user):
    response = as_user("assessor").get("/ledger/?due_before=not-a-date&warning=purple")
    assert response.status_code == 400
    assert {"due_before", "warning"} <= set(response.context["errors"])


def test_a_damaged_cursor_starts_again_from_the_first_page(world, as_user):
    world.ticket()
    response = as_user("assessor").get("/ledger/?after=zz~1")
    assert response.status_code == 200 and len(response.context["page"].rows) == 1


def test_every_api_filter_narrows_the_ledger(world, as_user):
    mine = world.ticket(description="独有关键词")
    world.ticket(unit=world.dept_b)
    client = as_user("supervisor")
    for query in (
        "q=独有关键词",
        f"unit={world.dept_a.pk}",
        f"appraisal={world.indicator.appraisal_id}&unit={world.dept_a.pk}",
        "class=time_limited&q=独有",
        "severity=general&q=独有",
        "dimension=green&q=独有",
        f"warning={selectors.ticket_warning(mine)}&q=独有",
        "overdue=false&q=独有",
        f"due_after={mine.due_on.isoformat()}&due_before={mine.due_on.isoformat()}&q=独有",
        "state=assigned&q=独有",
    ):
        numbers = set(NUMBER.findall(client.get(f"/ledger/?{query}").content.decode()))
        assert mine.number in numbers, query
    assert NUMBER.findall(client.get("/ledger/?overdue=true").content.decode()) == []
