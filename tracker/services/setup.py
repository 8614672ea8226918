"""Registering what the workflow runs on: units, memberships, findings and the tickets they open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from tracker.errors import Forbidden, Invalid
from tracker.models import EventKind, Finding, Indicator, Membership, Ticket, TicketEvent, TicketStage, Unit
from tracker.permissions import OVERSIGHT_ROLES, forget_memberships, roles_in_unit
from tracker.services._core import set_stage_clock
from workflows import calendar, clocks
from workflows.models import Policy, RectificationClass, Severity


def unit_create(*, name: str, code: str, kind: str, parent: Unit | None = None, short_names: str = "") -> Unit:
    with transaction.atomic():
        unit = Unit.objects.create(name=name, code=code, kind=kind, parent=parent, path="", short_names=short_names)
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    return unit


def membership_add(*, user: User, unit: Unit, role: str) -> Membership:
    membership, _created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    forget_memberships(user)
    return membership


@dataclass
class FindingSpec:
    """What logging one finding takes: finding_create's arguments, for findings_create to take many at once."""

    indicator: Indicator
    unit: Unit
    description: str
    source: str
    severity: str = Severity.GENERAL
    document_number: str = ""
    item_number: str = ""
    found_on: dt.date | None = None
    rectification_class: str = RectificationClass.TIME_LIMITED
    due_on: dt.date | None = None
    co_units: list[Unit] = field(default_factory=list)
    lead_official: str = ""
    responsible_person: str = ""
    handler: str = ""
    contact_phone: str = ""


def may_assign(actor: User, unit: Unit) -> bool:
    """Whether the actor is an assessor or supervisor over the unit, who may assign it a finding."""
    return bool(roles_in_unit(actor, unit) & set(OVERSIGHT_ROLES))


def finding_errors(spec: FindingSpec, today: dt.date) -> dict[str, list[str] | str]:
    """What is wrong with a finding before it may be logged, by field; empty when nothing is."""
    errors: dict[str, list[str] | str] = {}
    if not (spec.description or "").strip():
        errors["description"] = _("Describe the problem.")
    if not (spec.source or "").strip():
        errors["source"] = _("Name the source of the finding.")
    if spec.severity not in Severity.values:
        errors["severity"] = _("Choose a severity.")
    if spec.rectification_class not in RectificationClass.values:
        errors["rectification_class"] = _("Choose a rectification class.")
    if spec.due_on is not None and spec.due_on <= today:
        errors["due_on"] = _("The deadline must lie after today.")
    return errors


def finding_create(
    *,
    actor: User,
    indicator: Indicator,
    unit: Unit,
    description: str,
    severity: str = Severity.GENERAL,
    source: str,
    document_number: str = "",
    found_on: dt.date | None = None,
    rectification_class: str = RectificationClass.TIME_LIMITED,
    due_on: dt.date | None = None,
    co_units: Iterable[Unit] = (),
    lead_official: str = "",
    responsible_person: str = "",
    handler: str = "",
    contact_phone: str = "",
    item_number: str = "",
) -> Ticket:
    """Log a finding and assign its ticket to the responsible unit (交办, 一事一单).

    The rectification deadline is the policy's sign and rectify working days from today, unless the
    assessor sets an earlier or later date.
    """
    spec = FindingSpec(
        indicator=indicator,
        unit=unit,
        description=description,
        source=source,
        severity=severity,
        document_number=document_number,
        item_number=item_number,
        found_on=found_on,
        rectification_class=rectification_class,
        due_on=due_on,
        co_units=list(co_units),
        lead_official=lead_official,
        responsible_person=responsible_person,
        handler=handler,
        contact_phone=contact_phone,
    )
    if not may_assign(actor, unit):
        raise Forbidden(_("Only an assessor or supervisor over this unit may assign it a finding."))
    errors = finding_errors(spec, clocks.today())
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        return _write_findings(actor, [spec])[0]


def findings_create(*, actor: User, specs: list[FindingSpec]) -> list[Ticket]:
    """finding_create for many findings in one transaction, written in bulk (the spreadsheet import): the same rules,
    the same rows and events. Any refusal refuses them all; Invalid names each finding by its index ("3.due_on")."""
    today = clocks.today()
    errors: dict[str, list[str] | str] = {}
    for index, spec in enumerate(specs):
        if not may_assign(actor, spec.unit):
            raise Forbidden(_("Only an assessor or supervisor over this unit may assign it a finding."))
        errors.update({f"{index}.{name}": message for name, message in finding_errors(spec, today).items()})
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        return _write_findings(actor, specs)


def _write_findings(actor: User, specs: list[FindingSpec]) -> list[Ticket]:
    """The rows of findings already checked, in the caller's transaction: each finding, its ticket with its stage
    clock, its co-units and its "created" event. A finding on a unit and indicator (by code, so across appraisal
    cycles) that already has one, here or earlier in `specs`, is recurring (反复出现)."""
    today = clocks.today()
    # Which of the specs' units already have a finding on an indicator with one of their codes: for each unit, each
    # such indicator is probed on the (unit, indicator) index, where reading a unit's earlier findings would read
    # hundreds of thousands of rows in a large ledger.
    indicators = Indicator.objects.filter(code__in={s.indicator.code for s in specs})
    seen = {
        (unit_id, code)
        for unit_id in {s.unit.pk for s in specs}
        for code in indicators.filter(
            Exists(Finding.objects.filter(unit_id=unit_id, indicator_id=OuterRef("pk")))
        ).values_list("code", flat=True)
    }
    findings = []
    for spec in specs:
        key = (spec.unit.pk, spec.indicator.code)
        findings.append(
            Finding(
                appraisal_id=spec.indicator.appraisal_id,
                indicator=spec.indicator,
                unit=spec.unit,
                description=spec.description.strip(),
                severity=spec.severity,
                source=spec.source.strip(),
                document_number=(spec.document_number or "").strip(),
                item_number=(spec.item_number or "").strip(),
                found_by=actor,
                found_on=spec.found_on or today,
                recurring=key in seen,
            )
        )
        seen.add(key)
    if len(findings) == 1:
        findings[0].save()
    else:
        Finding.objects.bulk_create(findings)
    tickets = []
    for spec, finding in zip(specs, findings, strict=True):
        policy = Policy.for_ticket(spec.rectification_class, spec.severity)
        due_on = spec.due_on or calendar.add_workdays(today, policy.sign_days + policy.rectify_days)
        ticket = Ticket(
            number=f"ZG{today:%Y}-{finding.pk:06d}",
            finding=finding,
            lead_unit=spec.unit,
            rectification_class=spec.rectification_class,
            lead_official=(spec.lead_official or "").strip(),
            responsible_person=(spec.responsible_person or "").strip(),
            handler=(spec.handler or "").strip(),
            contact_phone=(spec.contact_phone or "").strip(),
            assigned_on=today,
            due_on=due_on,
            original_due_on=due_on,
            stage_started_on=today,
            created_by=actor,
        )
        set_stage_clock(ticket, today=today, policy=policy)
        tickets.append(ticket)
    if len(tickets) == 1:
        tickets[0].save()
    else:
        Ticket.objects.bulk_create(tickets)
    TicketStage.objects.bulk_create(
        TicketStage(
            ticket=ticket,
            state=ticket.state,
            unit_id=ticket.lead_unit_id,
            started_on=today,
            deadline=ticket.stage_deadline,
        )
        for ticket in tickets
    )
    Ticket.co_units.through.objects.bulk_create(
        Ticket.co_units.through(ticket_id=ticket.pk, unit_id=unit_id)
        for spec, ticket in zip(specs, tickets, strict=True)
        for unit_id in dict.fromkeys(u.pk for u in spec.co_units if u.pk != spec.unit.pk)
    )
    events = [
        TicketEvent(
            ticket=ticket,
            kind=EventKind.CREATED,
            actor=actor if actor.is_authenticated else None,
            from_state="",
            to_state=ticket.state,
            version=ticket.version,
            data={
                "finding": finding.pk,
                "unit": spec.unit.pk,
                "due_on": str(ticket.due_on),
                "recurring": finding.recurring,
            },
        )
        for spec, finding, ticket in zip(specs, findings, tickets, strict=True)
    ]
    if len(events) == 1:
        events[0].save()  # one finding logged by hand: its event's post_save lets notifications derive at once
    else:
        # In bulk no post_save is sent: the notification sweep derives these events' messages on its next round.
        TicketEvent.objects.bulk_create(events)
    return tickets
