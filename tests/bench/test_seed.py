"""The benchmark's COPY seed writes tickets the real services would have written, and accept."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bench import seed as bench_seed
from bench.common import Context
from tracker import services
from tracker.models import Finding, Ticket, TicketEvent, TicketStage
from workflows import clocks
from workflows.machine import TicketState
from workflows.models import Policy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
User = get_user_model()


@pytest.fixture
def seeded() -> bench_seed.Seed:
    seed = bench_seed.ensure_tickets(Context(database_url="", tickets=400))
    seed.seeded_at = timezone.now()
    return seed


def test_seed_holds_every_state_of_the_mix(seeded):
    states = Counter(Ticket.objects.values_list("state", flat=True))
    assert sum(states.values()) == 400
    assert set(states) == {s for s, _ in bench_seed.MIX}
    assert states[TicketState.ASSIGNED] + states[TicketState.RECTIFYING] > 300


def test_seeded_clocks_are_those_the_services_compute(seeded):
    for t in Ticket.objects.select_related("finding"):
        policy = Policy.for_ticket(t.rectification_class, t.finding.severity)
        deadline = clocks.stage_deadline(t.state, policy, t.stage_started_on, t.due_on)
        assert t.stage_deadline == deadline, t.number
        # The next rung after the seeding, as the notification sweep leaves it (rungs fall on local midnights).
        assert t.next_action_at == clocks.next_action_at(deadline, policy, seeded.seeded_at), t.number
        assert t.number == f"ZG{t.assigned_on:%Y}-{t.finding_id:06d}"


def test_seeded_versions_match_their_event_history(seeded):
    histories: dict[int, list[tuple[int, str, str, str]]] = {}
    for ticket_id, version, kind, from_state, to_state in TicketEvent.objects.order_by("id").values_list(
        "ticket_id", "version", "kind", "from_state", "to_state"
    ):
        histories.setdefault(ticket_id, []).append((version, kind, from_state, to_state))
    for t in Ticket.objects.all():
        history = histories[t.pk]
        assert [v for v, *_ in history] == list(range(1, t.version + 1))
        assert history[0][1:] == ("created", "", TicketState.ASSIGNED)
        assert history[-1][3] == t.state
        assert all(history[i][3] == history[i + 1][2] for i in range(1, len(history) - 1))


def test_only_the_first_finding_of_a_unit_and_indicator_is_not_recurring(seeded):
    first_seen: set[tuple[int, str]] = set()
    for unit_id, code, recurring in Finding.objects.order_by("id").values_list(
        "unit_id", "indicator__code", "recurring"
    ):
        assert recurring == ((unit_id, code) in first_seen)
        first_seen.add((unit_id, code))


def test_the_real_services_accept_seeded_tickets(seeded):
    def user(name: str):
        return User.objects.get(username=name)

    fresh = Ticket.objects.get(pk=bench_seed.add_tickets(seeded, 1, state=TicketState.ASSIGNED)[0])
    policy = Policy.for_ticket(fresh.rectification_class, fresh.finding.severity)
    assert fresh.next_action_at == clocks.ladder(fresh.stage_deadline, policy)[0].at  # as finding_create writes it
    accepted = services.ticket_accept(
        ticket_id=fresh.pk,
        actor=user(seeded.heads[fresh.lead_unit_id]),
        version=fresh.version,
        measures="排查整改",
        goal="按期完成",
        responsible_person="局长",
        target_date=fresh.due_on,
    )
    assert (accepted.state, accepted.version) == (TicketState.RECTIFYING, 2)
    # The seed opened the signing stage in the record, as finding_create does; the accept ended it.
    assert list(TicketStage.objects.filter(ticket=fresh).values_list("state", "ended_on")) == [
        (TicketState.ASSIGNED, clocks.today()),
        (TicketState.RECTIFYING, None),
    ]

    rectifying = Ticket.objects.filter(state=TicketState.RECTIFYING).first()
    explained = services.ticket_explain(
        ticket_id=rectifying.pk,
        actor=user(seeded.heads[rectifying.lead_unit_id]),
        version=rectifying.version,
        explanation="阶段性完成",
        closure_plan="分阶段推进",
        closure_plan_date=clocks.today() + dt.timedelta(days=90),
    )
    assert (explained.state, explained.version) == (TicketState.EXPLAINED, 3)

    published = Ticket.objects.filter(state=TicketState.EXPLAINED).exclude(pk=explained.pk).first()
    rejected = services.ticket_reject(
        ticket_id=published.pk,
        actor=user(seeded.assessor),
        version=published.version,
        reason="材料不全",
        new_deadline=clocks.today() + dt.timedelta(days=30),
    )
    assert (rejected.state, rejected.version) == (TicketState.RECTIFYING, 4)

    assigned = Ticket.objects.filter(state=TicketState.ASSIGNED).first()
    withdrawn = services.ticket_withdraw(
        ticket_id=assigned.pk, actor=user(seeded.supervisor), version=assigned.version, reason="误登"
    )
    assert withdrawn.state == TicketState.WITHDRAWN


def test_seeding_again_reuses_the_seed_and_tops_up_a_short_one(seeded):
    again = bench_seed.ensure_tickets(Context(database_url="", tickets=400))
    assert (again.tickets, Ticket.objects.count()) == (400, 400)
    more = bench_seed.ensure_tickets(Context(database_url="", tickets=450))
    assert (more.tickets, Ticket.objects.count()) == (450, 450)
    assert more.user_ids == seeded.user_ids


def test_the_small_unit_takes_tickets_from_across_the_ledger_once_and_seeding_leaves_it_small(seeded):
    username = bench_seed.ensure_small_unit(seeded)
    code, _name, count = bench_seed.SMALL_UNIT
    small = Ticket.objects.filter(lead_unit__code=code)
    ids = sorted(small.values_list("pk", flat=True))
    assert len(ids) == count and ids[-1] - ids[0] > 300  # spread, not a block
    assert bench_seed.ensure_small_unit(seeded) == username and small.count() == count
    officer = User.objects.get(username=username)
    assert list(officer.memberships.values_list("unit__code", "role")) == [(code, "officer")]

    reloaded = bench_seed.ensure_reference_data()
    assert small.first().lead_unit_id not in reloaded.lead_unit_ids
    block = bench_seed.add_tickets(reloaded, 200)
    assert small.count() == count and not Ticket.objects.filter(pk__in=block, lead_unit__code=code).exists()
