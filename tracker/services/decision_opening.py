"""Opening a decision: accountability (启动问责), fault tolerance (容错申请, or ex officio) and correction (纠错).

Each creates the decision in its first state with its opening event on the chain, in one transaction; the steps
that follow are in tracker.services.decisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from tracker import decision_chain
from tracker.decision_selectors import DECISION_OVERSIGHT, decision_get
from tracker.errors import Forbidden, Invalid, NotFound
from tracker.models import Decision, DecisionEventKind, Indicator, SubjectKind, Ticket, Unit
from tracker.permissions import UNIT_ROLES, memberships_of
from tracker.services.setup import finding_create
from workflows import clocks
from workflows.decisions import BODIES, INITIAL_STATE, DecisionKind
from workflows.models import RectificationClass, Severity


def need_text(errors: dict[str, list[str] | str], **texts: str) -> None:
    for name, value in texts.items():
        if not (value or "").strip():
            errors[name] = _("This field is required.")


def _tickets_for(actor: User, ticket_ids: Iterable[int]) -> list[Ticket]:
    """The tickets named, each one the actor may see. A ticket out of sight is refused as one that does not exist:
    a field error of the decision opened (400), as for any other unknown reference in its input."""
    from tracker.selectors import tickets_visible_to

    ids = sorted(set(ticket_ids))
    found = list(tickets_visible_to(actor).filter(pk__in=ids).select_related("finding"))
    if len(found) != len(ids):
        raise Invalid({"tickets": _("No such ticket.")})
    return found


def _subject_checks(
    *,
    subject_kind: str,
    subject_unit: Unit,
    subject_user: User | None,
    subject_name: str,
    facts: str,
) -> dict[str, list[str] | str]:
    errors: dict[str, list[str] | str] = {}
    if subject_kind not in SubjectKind.values:
        errors["subject_kind"] = _("Choose an organisation or a person.")
    elif subject_kind == SubjectKind.PERSON and not (subject_name or "").strip():
        errors["subject_name"] = _("Name the person concerned.")
    elif subject_kind == SubjectKind.UNIT and subject_user is not None:
        errors["subject_user"] = _("A decision about an organisation names no person.")
    need_text(errors, facts=facts)
    return errors


def open_decision(
    *,
    kind: str,
    actor: User,
    subject_kind: str,
    subject_unit: Unit,
    subject_user: User | None,
    subject_name: str,
    subject_position: str,
    facts: str,
    rule: str,
    tickets: list[Ticket],
    related: Decision | None,
    event: str,
    data: dict[str, Any] | None = None,
    correction_ticket: Ticket | None = None,
) -> Decision:
    """Create the decision in its first state with its opening event (in the caller's transaction)."""
    today = clocks.today()
    decision = Decision(
        kind=kind,
        state=INITIAL_STATE[DecisionKind(kind)],
        subject_kind=subject_kind,
        subject_unit=subject_unit,
        subject_user=subject_user,
        subject_name=(subject_name or "").strip() if subject_kind == SubjectKind.PERSON else "",
        subject_position=(subject_position or "").strip() if subject_kind == SubjectKind.PERSON else "",
        facts=facts.strip(),
        rule=(rule or "").strip(),
        related=related,
        correction_ticket=correction_ticket,
        opened_by=actor,
        step_started_on=today,
    )
    decision.save()
    decision.tickets.set(tickets)
    decision_chain.append(
        decision,
        kind=event,
        actor=actor,
        data={
            "subject_kind": subject_kind,
            "subject_unit": subject_unit.pk,
            "subject_user": subject_user.pk if subject_user is not None else None,
            "subject_name": decision.subject_name,
            "subject_position": decision.subject_position,
            "facts": decision.facts,
            "rule": decision.rule,
            "tickets": [t.pk for t in tickets],
            "related": related.pk if related is not None else None,
            **(data or {}),
        },
    )
    return decision


# --- opening ------------------------------------------------------------------------------------------------------


def accountability_open(
    *,
    actor: User,
    subject_kind: str,
    subject_unit: Unit,
    facts: str,
    rule: str = "",
    subject_user: User | None = None,
    subject_name: str = "",
    subject_position: str = "",
    ticket_ids: Iterable[int] = (),
) -> Decision:
    """启动问责: a supervisor or a body over the unit opens accountability, by hand or from tickets (overdue,
    rejected, reopened, falsified)."""
    if not _oversees(actor, subject_unit):
        raise Forbidden(_("Only a supervisor, discipline inspection or organisation department over the unit may."))
    errors = _subject_checks(
        subject_kind=subject_kind,
        subject_unit=subject_unit,
        subject_user=subject_user,
        subject_name=subject_name,
        facts=facts,
    )
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        tickets = _tickets_for(actor, ticket_ids)
        return open_decision(
            kind=DecisionKind.ACCOUNTABILITY,
            actor=actor,
            subject_kind=subject_kind,
            subject_unit=subject_unit,
            subject_user=subject_user,
            subject_name=subject_name,
            subject_position=subject_position,
            facts=facts,
            rule=rule,
            tickets=tickets,
            related=None,
            event=DecisionEventKind.OPENED,
        )


def _oversees(actor: User, unit: Unit) -> bool:
    return any(role in DECISION_OVERSIGHT and unit.path.startswith(path) for _id, path, role in memberships_of(actor))


def _works_in(actor: User, unit: Unit) -> bool:
    return any(unit_id == unit.pk and role in UNIT_ROLES for unit_id, _path, role in memberships_of(actor))


def fault_tolerance_apply(
    *,
    actor: User,
    subject_kind: str,
    subject_unit: Unit,
    facts: str,
    rule: str = "",
    subject_user: User | None = None,
    subject_name: str = "",
    subject_position: str = "",
    ticket_ids: Iterable[int] = (),
    related_id: int | None = None,
) -> Decision:
    """容错启动: the person or unit applies for themselves, or a body opens it ex officio (依职权)."""
    body = any(role in BODIES and subject_unit.path.startswith(path) for _id, path, role in memberships_of(actor))
    for_self = _works_in(actor, subject_unit) and (
        subject_kind == SubjectKind.UNIT or subject_user is not None and subject_user.pk == actor.pk
    )
    if not (body or for_self):
        raise Forbidden(_("Apply for yourself or your unit; a discipline or organisation body may open it."))
    errors = _subject_checks(
        subject_kind=subject_kind,
        subject_unit=subject_unit,
        subject_user=subject_user,
        subject_name=subject_name,
        facts=facts,
    )
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        related = None
        if related_id is not None:
            try:
                related = decision_get(actor, related_id, lock=True)
            except NotFound:
                raise Invalid({"related": _("Name an accountability decision about the same subject.")}) from None
            if related.kind != DecisionKind.ACCOUNTABILITY or related.subject_unit_id != subject_unit.pk:
                raise Invalid({"related": _("Name an accountability decision about the same subject.")})
        tickets = _tickets_for(actor, ticket_ids) if ticket_ids else []
        return open_decision(
            kind=DecisionKind.FAULT_TOLERANCE,
            actor=actor,
            subject_kind=subject_kind,
            subject_unit=subject_unit,
            subject_user=subject_user,
            subject_name=subject_name,
            subject_position=subject_position,
            facts=facts,
            rule=rule,
            tickets=tickets,
            related=related,
            event=DecisionEventKind.APPLIED,
            data={"ex_officio": not for_self},
        )


def correction_issue(
    *,
    actor: User,
    subject_unit: Unit,
    facts: str,
    opinion: str,
    rule: str = "",
    ticket_ids: Iterable[int] = (),
    indicator: Indicator | None = None,
    due_on: dt.date | None = None,
    severity: str = Severity.GENERAL,
) -> Decision:
    """纠错: a correction opinion to a unit opens a rectification ticket linked to it, so the engine tracks the
    correction to closure like any other rectification."""
    errors: dict[str, list[str] | str] = {}
    need_text(errors, facts=facts, opinion=opinion)
    if errors:
        raise Invalid(errors)
    if not _oversees(actor, subject_unit):
        raise Forbidden(_("Only a supervisor, discipline inspection or organisation department over the unit may."))
    with transaction.atomic():
        tickets = _tickets_for(actor, ticket_ids)
        if indicator is None and tickets:
            indicator = tickets[0].finding.indicator
        if indicator is None:
            raise Invalid({"indicator": _("Name the indicator, or a ticket the correction concerns.")})
        # finding_create checks that the actor may assign the unit a finding (an assessor or supervisor over it).
        ticket = finding_create(
            actor=actor,
            indicator=indicator,
            unit=subject_unit,
            description=opinion.strip(),
            severity=severity,
            source=_("Correction opinion (纠错意见)"),
            rectification_class=RectificationClass.TIME_LIMITED,
            due_on=due_on,
        )
        return open_decision(
            kind=DecisionKind.CORRECTION,
            actor=actor,
            subject_kind=SubjectKind.UNIT,
            subject_unit=subject_unit,
            subject_user=None,
            subject_name="",
            subject_position="",
            facts=facts,
            rule=rule,
            tickets=tickets,
            related=None,
            event=DecisionEventKind.ISSUED,
            data={"opinion": opinion.strip(), "ticket": ticket.pk, "ticket_number": ticket.number},
            correction_ticket=ticket,
        )
