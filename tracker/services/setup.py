"""Registering what the workflow runs on: units, memberships, findings and the tickets they open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from tracker.errors import Forbidden, Invalid
from tracker.models import EventKind, Finding, Indicator, Membership, Ticket, Unit
from tracker.permissions import OVERSIGHT_ROLES, forget_memberships, roles_in_unit
from tracker.services._core import record, set_stage_clock
from workflows import calendar, clocks
from workflows.models import Policy, RectificationClass, Severity


def unit_create(*, name: str, code: str, kind: str, parent: Unit | None = None) -> Unit:
    with transaction.atomic():
        unit = Unit.objects.create(name=name, code=code, kind=kind, parent=parent, path="")
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    return unit


def membership_add(*, user: User, unit: Unit, role: str) -> Membership:
    membership, _created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    forget_memberships(user)
    return membership


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
) -> Ticket:
    """Log a finding and assign its ticket to the responsible unit (交办, 一事一单).

    The rectification deadline is the policy's sign and rectify working days from today, unless the
    assessor sets an earlier or later date.
    """
    if not roles_in_unit(actor, unit) & set(OVERSIGHT_ROLES):
        raise Forbidden(_("Only an assessor or supervisor over this unit may assign it a finding."))
    today = clocks.today()
    co_units = [u for u in co_units if u.pk != unit.pk]
    errors: dict[str, str] = {}
    if not (description or "").strip():
        errors["description"] = _("Describe the problem.")
    if not (source or "").strip():
        errors["source"] = _("Name the source of the finding.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose a severity.")
    if rectification_class not in RectificationClass.values:
        errors["rectification_class"] = _("Choose a rectification class.")
    if due_on is not None and due_on <= today:
        errors["due_on"] = _("The deadline must lie after today.")
    if errors:
        raise Invalid(errors)
    policy = Policy.for_ticket(rectification_class, severity)
    with transaction.atomic():
        recurring = Finding.objects.filter(unit=unit, indicator__code=indicator.code).exists()
        finding = Finding.objects.create(
            appraisal_id=indicator.appraisal_id,
            indicator=indicator,
            unit=unit,
            description=description.strip(),
            severity=severity,
            source=source.strip(),
            document_number=(document_number or "").strip(),
            found_by=actor,
            found_on=found_on or today,
            recurring=recurring,
        )
        ticket = Ticket(
            number=f"ZG{today:%Y}-{finding.pk:06d}",
            finding=finding,
            lead_unit=unit,
            rectification_class=rectification_class,
            lead_official=lead_official,
            responsible_person=responsible_person,
            assigned_on=today,
            due_on=due_on or calendar.add_workdays(today, policy.sign_days + policy.rectify_days),
            stage_started_on=today,
            created_by=actor,
        )
        set_stage_clock(ticket, today=today, policy=policy)
        ticket.save()
        ticket.co_units.set(co_units)
        record(
            ticket,
            kind=EventKind.CREATED,
            actor=actor,
            bump=False,
            data={
                "finding": finding.pk,
                "unit": unit.pk,
                "due_on": str(ticket.due_on),
                "recurring": recurring,
            },
        )
    return ticket
