"""Who hears of the steps practice adds (plans, returns, summons), co-units reminded of their part, and a long-term
ticket's year of reporting cycles with one report missed and chased once."""

import datetime as dt

import time_machine

from notifications.models import Notification
from tests.factories import drive, evidence_file, plan_kwargs, sign_for
from tests.notifications.helpers import clock_rows, local, sweep_at
from tracker import services
from tracker.models import EventKind, ProgressReport, Ticket, TicketEvent, Verification
from workflows import calendar, clocks
from workflows.machine import TicketState
from workflows.models import Policy, RectificationClass, Severity

D = dt.date


def told(ticket, kind: str) -> set[str]:
    return {
        n.recipient.username
        for n in Notification.objects.filter(ticket=ticket, kind=kind, channel="inapp").select_related("recipient")
    }


def test_the_plan_goes_to_the_head_then_the_assessor_and_a_return_to_the_assessor_and_supervisor(
    world, django_capture_on_commit_callbacks
):
    ticket = world.ticket(severity=Severity.SEVERE)
    with django_capture_on_commit_callbacks(execute=True):
        t = services.ticket_submit_plan(ticket_id=ticket.pk, actor=world.officer_a, version=1, **plan_kwargs(ticket))
    assert told(ticket, "plan_submitted") == {"head_a"}
    with django_capture_on_commit_callbacks(execute=True):
        t = services.ticket_sign_plan(ticket_id=ticket.pk, actor=world.head_a, version=t.version)
    assert told(ticket, "plan_to_review") == {"assessor"}
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_return_plan(ticket_id=ticket.pk, actor=world.assessor, version=t.version, reason="措施不具体")
    assert told(ticket, "plan_returned") == {"officer_a", "head_a"}

    other = world.ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_return_ticket(ticket_id=other.pk, actor=world.officer_a, version=1, reason="非本单位")
    assert told(other, "ticket_returned") == {"assessor", "supervisor"}


def test_a_summons_and_a_notice_are_told_to_the_unit_head(world, django_capture_on_commit_callbacks):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_list(ticket_id=ticket.pk, actor=world.supervisor, reason="逾期")
        services.ticket_follow_up(
            ticket_id=ticket.pk, actor=world.supervisor, kind="summoned", note="约谈", held_on=clocks.today()
        )
        services.ticket_follow_up(
            ticket_id=ticket.pk, actor=world.supervisor, kind="circulated", note="通报〔2026〕1号"
        )
    assert told(ticket, "summoned") == {"head_a"}
    assert told(ticket, "circulated") == {"head_a"}
    body = Notification.objects.filter(ticket=ticket, kind="circulated").first().body
    assert "通报〔2026〕1号" in body


def test_co_units_are_reminded_of_their_part_but_the_chase_goes_to_the_lead_unit(world):
    with time_machine.travel(local(D(2025, 9, 1), 9), tick=False):
        ticket = world.ticket(co_units=[world.county_dept])
        ticket = drive(world, ticket, TicketState.RECTIFYING)
    deadline = ticket.stage_deadline
    sweep_at(local(calendar.subtract_workdays(deadline, 1)))
    reminded = {(r.kind, r.recipient.username) for r in clock_rows(ticket=ticket, channel="inapp")}
    assert ("remind", "officer_a") in reminded and ("remind", "officer_c") in reminded
    sweep_at(local(calendar.add_workdays(deadline, 1)))
    chased = {r.recipient.username for r in clock_rows(ticket=ticket, channel="inapp", kind="chase")}
    assert chased == {"head_a"}


def test_a_long_term_ticket_lives_a_year_of_cycles_and_one_missed_report_is_chased_once(world):
    """From September 2025 to September 2026 the unit reports on each report's due day, except once; the assessor
    keeps the ticket in rectification (持续整改) at each review. The sweep runs every working day."""
    policy = Policy.for_ticket(RectificationClass.LONG_TERM)
    start = D(2025, 9, 1)
    with time_machine.travel(local(start, 9), tick=False):
        ticket = world.ticket(klass=RectificationClass.LONG_TERM)
    with time_machine.travel(local(D(2025, 9, 2), 9), tick=False):
        ticket = sign_for(world, ticket)
    reports, skipped, day = 0, None, D(2025, 9, 2)
    while day < D(2026, 9, 1):
        day = calendar.add_workdays(day, 1)
        sweep_at(local(day, 9, 30))
        ticket = Ticket.objects.get(pk=ticket.pk)
        last = ProgressReport.objects.filter(ticket=ticket).order_by("-id").first()
        due = calendar.add_workdays(
            max(d for d in (ticket.stage_started_on, last and last.created_at.astimezone(clocks.SHANGHAI).date()) if d),
            policy.reporting_cycle_days,
        )
        with time_machine.travel(local(day, 11), tick=False):
            if day >= due:
                if reports == 4 and skipped is None:
                    skipped = due  # the fifth report is missed: the unit reports only once it is chased
                elif skipped is None or day > skipped:
                    services.progress_report(
                        ticket_id=ticket.pk, actor=world.officer_a, text=f"第{reports + 1}次进展", percent=10 + reports
                    )
                    reports += 1
            if ticket.state == TicketState.RECTIFYING and day >= D(2026, 1, 5):
                services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file()])
                services.ticket_explain(
                    ticket_id=ticket.pk,
                    actor=world.head_a,
                    version=Ticket.objects.get(pk=ticket.pk).version,
                    explanation="阶段性完成，持续推进",
                    closure_plan="分年度推进",
                    closure_plan_date=D(2027, 12, 31),
                )
            elif ticket.state == TicketState.EXPLAINED and day >= ticket.stage_deadline:
                services.ticket_continue_rectifying(
                    ticket_id=ticket.pk,
                    actor=world.assessor,
                    version=ticket.version,
                    comment="持续整改",
                    next_review_on=calendar.add_workdays(day, 60),
                )

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.state == TicketState.EXPLAINED  # 问题不解决不销号: open a year on
    assert reports >= 6  # a cycle counts from the later of the last report and the stage's start
    assert ticket.missed_reports == 1
    missed = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REPORT_MISSED)
    assert [e.data["due"] for e in missed] == [str(skipped)]
    chases = clock_rows(ticket=ticket, kind="report_chase", channel="inapp")
    assert {(r.deadline, r.recipient.username) for r in chases} == {(skipped, "head_a")}
    assert Verification.objects.filter(ticket=ticket, verdict="continuing").count() >= 2
