"""What a supervisor does from the cockpit, and the public's dissatisfaction put back before the assessor (复核).

- ticket_list: 挂牌督办 by a supervisor's own decision (the ladder lists on its own through tickets_mark_listed).
- ticket_follow_up: 约谈 or 通报 after listed supervision, recorded on the ticket and told to the unit head.
- unit_chase: 催办 to a unit about its overdue tickets, with a message: an event on each ticket, one message out.
- review_if_dissatisfied: called by feedback_give; flags the ticket when the policy's share is passed.
- ticket_review_decide: the assessor keeps the verdict, or reopens (复号, from closed) or sends back (退回重改, from
  explained) with a reason; either way the flag comes down.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from tracker.errors import Conflict, Invalid, NotFound
from tracker.models import EventKind, Feedback, Rating, Ticket, Unit
from tracker.permissions import roles_in_unit
from tracker.services._core import check_version, lock_ticket, record, require_role
from tracker.services.tickets import ticket_reject, ticket_reopen
from tracker.stats import overdue_q
from workflows import clocks
from workflows.machine import OPEN_STATES, Role, TicketState
from workflows.models import Policy

CHASE_MAX_TICKETS = 50


def ticket_list(*, ticket_id: int, actor: User, reason: str, version: int | None = None) -> Ticket:
    """挂牌督办: the ticket goes on the public register of listed supervision, by a supervisor's decision."""
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        require_role(actor, t, (Role.SUPERVISOR,), _("list for supervision"))
        check_version(t, version)
        if t.state not in OPEN_STATES:
            raise Conflict(_("Only an open ticket can be listed for supervision."), ticket=t)
        if t.listed:
            raise Conflict(_("This ticket is already listed for supervision."), ticket=t)
        reason = (reason or "").strip()
        if not reason:
            raise Invalid({"reason": _("Say why the ticket is listed for supervision.")})
        t.listed = True
        record(
            t,
            kind=EventKind.LISTED,
            actor=actor,
            fields=("listed",),
            from_state=t.state,
            data={"reason": reason, "stage_deadline": str(t.stage_deadline) if t.stage_deadline else None},
        )
    return t


def ticket_follow_up(
    *,
    ticket_id: int,
    actor: User,
    kind: str,
    note: str,
    held_on: dt.date | None = None,
    version: int | None = None,
) -> Ticket:
    """What follows 挂牌督办 when a listed ticket still lags: a summons talk with the unit's head (约谈, `kind`
    "summoned", held on `held_on`) or a circulated notice (通报, "circulated"). Recorded on the ticket by a
    supervisor and told to the unit head (notifications.derive)."""
    if kind not in (EventKind.SUMMONED, EventKind.CIRCULATED):
        raise Invalid({"kind": _("Choose a summons talk or a circulated notice.")})
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        require_role(actor, t, (Role.SUPERVISOR,), _("record a summons or notice on"))
        check_version(t, version)
        if not t.listed:
            raise Conflict(_("A summons talk or a notice follows listed supervision: list the ticket first."), ticket=t)
        errors: dict[str, str] = {}
        note = (note or "").strip()
        if not note:
            errors["note"] = (
                _("Record what was said and agreed at the talk.")
                if kind == EventKind.SUMMONED
                else _("Give the notice's text or document number.")
            )
        if kind == EventKind.SUMMONED and (held_on is None or held_on > clocks.today()):
            errors["held_on"] = _("Give the date the talk was held (today or earlier).")
        if errors:
            raise Invalid(errors)
        data: dict[str, Any] = {"note": note}
        if kind == EventKind.SUMMONED:
            data["held_on"] = str(held_on)
        record(t, kind=EventKind(kind), actor=actor, from_state=t.state, data=data)
    return t


def unit_chase(*, unit_id: int, actor: User, message: str) -> list[int]:
    """催办: a supervisor presses a unit about its overdue tickets (the most overdue first, at most
    CHASE_MAX_TICKETS). Each ticket's history records the chase; the first event carries the message the unit's
    people receive (notifications.derive), naming every ticket. Returns the ids of the tickets chased."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or Role.SUPERVISOR not in roles_in_unit(actor, unit):
        raise NotFound(_("No unit with this number is under your supervision."))
    message = (message or "").strip()
    if not message:
        raise Invalid({"message": _("Write the message the unit will receive.")})
    with transaction.atomic():
        # Locked in primary-key order, as the sweep's listing does, so the two cannot deadlock.
        overdue = list(
            Ticket.objects.filter(overdue_q(clocks.today()), lead_unit_id=unit.pk)
            .order_by("stage_deadline", "pk")
            .values_list("pk", flat=True)[:CHASE_MAX_TICKETS]
        )
        if not overdue:
            raise Conflict(_("%(unit)s has no overdue ticket to chase.") % {"unit": unit.name})
        tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(pk__in=overdue).order_by("pk"))
        tickets.sort(key=lambda t: overdue.index(t.pk))
        numbers = [t.number for t in tickets]
        for i, t in enumerate(tickets):
            data: dict[str, Any] = {"message": message}
            if i == 0:
                data |= {"announce": True, "tickets": [x.pk for x in tickets], "numbers": numbers}
            record(t, kind=EventKind.CHASED, actor=actor, from_state=t.state, bump=False, data=data)
    return [t.pk for t in tickets]


def review_if_dissatisfied(ticket: Ticket) -> bool:
    """After a dissatisfied rating: flag the ticket for its assessor once the dissatisfied share of its ratings
    rises above the policy's threshold. Runs inside feedback_give's transaction; returns whether it flagged."""
    counts = Feedback.objects.filter(ticket_id=ticket.pk).aggregate(
        total=Count("pk"), dissatisfied=Count("pk", filter=Q(rating=Rating.DISSATISFIED))
    )
    policy = Policy.for_ticket(ticket.rectification_class, ticket.finding.severity)
    share = Decimal(counts["dissatisfied"]) / Decimal(counts["total"] or 1)
    if share <= policy.review_dissatisfied_share:
        return False
    t = Ticket.objects.select_for_update(of=("self",)).select_related("finding").get(pk=ticket.pk)
    if t.review_pending:
        return False
    t.review_pending = True
    t.save(update_fields=["review_pending", "updated_at"])
    record(
        t,
        kind=EventKind.REVIEW_REQUESTED,
        actor=None,
        from_state=t.state,
        bump=False,
        data={
            "dissatisfied": counts["dissatisfied"],
            "ratings": counts["total"],
            "share": str(share.quantize(Decimal("0.001"))),
        },
    )
    return True


def ticket_review_decide(
    *,
    ticket_id: int,
    actor: User,
    version: int | None,
    reopen: bool,
    reason: str = "",
    new_deadline: dt.date | None = None,
) -> Ticket:
    """复核: the assessor answers the public's dissatisfaction. Keep the verdict (a note is optional), or send the
    ticket back to the unit with a reason: reopened (复号) if it was closed, sent back (退回重改, with a new deadline)
    if it still stands explained. A verified ticket awaiting close-out can only be kept, or reopened once closed."""
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        require_role(actor, t, (Role.ASSESSOR,), _("review"))
        check_version(t, version)
        if not t.review_pending:
            raise Conflict(_("No review is pending on this ticket."), ticket=t)
        reason = (reason or "").strip()
        if not reopen:
            t.review_pending = False
            record(
                t,
                kind=EventKind.REVIEW_KEPT,
                actor=actor,
                fields=("review_pending",),
                from_state=t.state,
                data={"reason": reason},
            )
            return t
        if t.state not in (TicketState.CLOSED, TicketState.EXPLAINED):
            raise Conflict(
                _(
                    "A verified ticket cannot be sent back before it is closed: keep the verdict, or reopen it once "
                    "closed."
                ),
                ticket=t,
            )
        t.review_pending = False
        t.save(update_fields=["review_pending"])
        if t.state == TicketState.CLOSED:
            t = ticket_reopen(ticket_id=t.pk, actor=actor, version=t.version, reason=reason, new_deadline=new_deadline)
        else:
            t = ticket_reject(ticket_id=t.pk, actor=actor, version=t.version, reason=reason, new_deadline=new_deadline)
    return t
