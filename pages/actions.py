"""The one place the pages write: each call goes to a tracker service, and a refusal comes back as a Refusal the
view puts on its form. The services take the ticket's id, lock it themselves and check, again, everything the page
checked before showing the form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from tracker import services
from tracker.errors import Invalid, NotFound, ServiceError, StaleVersion
from tracker.models import Appraisal, ExtensionRequest, PauseRequest, Ticket
from tracker.services.imports import ImportRejected, ImportResult, Problem, findings_import


@dataclass
class Refusal:
    """Why a write was refused: messages by field (None for the form as a whole), and whether the ticket had
    changed since the person read it."""

    errors: dict[str | None, list[str]] = field(default_factory=dict)
    stale: bool = False
    # A refused spreadsheet: every problem at its row and column.
    problems: list[Problem] = field(default_factory=list)


def attempt(write: Callable[[], Any]) -> Refusal | None:
    """Run a service call; None when it succeeded, the refusal when it did not. NotFound propagates (a 404)."""
    try:
        write()
    except NotFound:
        raise
    except StaleVersion:
        return Refusal({None: [_("Someone changed this ticket after you opened it; nothing was saved.")]}, stale=True)
    except Invalid as invalid:
        return Refusal({key: list(messages) for key, messages in invalid.errors.items()})
    except ServiceError as refused:
        return Refusal({None: [refused.message]})
    return None


def fire(name: str, *, ticket: Ticket, actor: AbstractBaseUser, version: int, data: dict[str, Any]) -> Refusal | None:
    return attempt(
        lambda: services.TRANSITION_SERVICES[name](ticket_id=ticket.pk, actor=actor, version=version, **data)
    )


def report_progress(*, ticket: Ticket, actor: AbstractBaseUser, version: int, **data: Any) -> Refusal | None:
    return attempt(lambda: services.progress_report(ticket_id=ticket.pk, actor=actor, version=version, **data))


def add_evidence(
    *, ticket: Ticket, actor: AbstractBaseUser, version: int, files: list[Any], public: bool = False
) -> Refusal | None:
    return attempt(
        lambda: services.evidence_add(ticket_id=ticket.pk, actor=actor, version=version, files=files, public=public)
    )


def request_extension(*, ticket: Ticket, actor: AbstractBaseUser, version: int, **data: Any) -> Refusal | None:
    return attempt(lambda: services.extension_request(ticket_id=ticket.pk, actor=actor, version=version, **data))


def request_pause(*, ticket: Ticket, actor: AbstractBaseUser, version: int, reason: str) -> Refusal | None:
    return attempt(lambda: services.pause_request(ticket_id=ticket.pk, actor=actor, version=version, reason=reason))


def resume_clock(*, ticket: Ticket, actor: AbstractBaseUser, version: int) -> Refusal | None:
    return attempt(lambda: services.clock_resume(ticket_id=ticket.pk, actor=actor, version=version))


def list_ticket(*, ticket: Ticket, actor: AbstractBaseUser, version: int, reason: str) -> Refusal | None:
    return attempt(lambda: services.ticket_list(ticket_id=ticket.pk, actor=actor, version=version, reason=reason))


def follow_up(*, ticket: Ticket, actor: AbstractBaseUser, version: int, **data: Any) -> Refusal | None:
    return attempt(lambda: services.ticket_follow_up(ticket_id=ticket.pk, actor=actor, version=version, **data))


def decide(
    request: ExtensionRequest | PauseRequest, *, actor: AbstractBaseUser, approve: bool, reason: str
) -> Refusal | None:
    service = services.extension_decide if isinstance(request, ExtensionRequest) else services.pause_decide
    return attempt(lambda: service(request=request, actor=actor, approve=approve, reason=reason))


def log_finding(*, actor: AbstractBaseUser, **data: Any) -> tuple[Ticket | None, Refusal | None]:
    created: list[Ticket] = []
    refusal = attempt(lambda: created.append(services.finding_create(actor=actor, **data)))
    return (created[0] if created else None), refusal


def import_findings(
    *, actor: AbstractBaseUser, file: Any, appraisal: Appraisal | None = None
) -> tuple[ImportResult | None, Refusal | None]:
    """Import a filled-in findings template (tracker.services.imports): all its findings with their tickets, or
    nothing and every problem at its row and column."""
    imported: list[ImportResult] = []
    rejected: list[ImportRejected] = []

    def write() -> None:
        try:
            imported.append(findings_import(actor=actor, file=file, appraisal=appraisal))
        except ImportRejected as rejection:
            rejected.append(rejection)

    refusal = attempt(write)
    if rejected:
        return None, Refusal({None: [rejected[0].summary]}, problems=rejected[0].problems)
    return (imported[0] if imported else None), refusal


def decision_step(
    name: str, *, decision_id: int, actor: AbstractBaseUser, version: int, data: dict[str, Any]
) -> Refusal | None:
    """Take one step of a decision's procedure (tracker.services.decisions)."""
    refusal = attempt(
        lambda: services.DECISION_SERVICES[name](decision_id=decision_id, actor=actor, version=version, **data)
    )
    if refusal is not None and refusal.stale:
        refusal.errors = {None: [_("Someone changed this decision after you opened it; nothing was saved.")]}
    return refusal


def decision_open(kind: str, *, actor: AbstractBaseUser, **data: Any) -> tuple[Any, Refusal | None]:
    """Open accountability, or apply for fault tolerance (tracker.services.decision_opening)."""
    service = services.accountability_open if kind == "accountability" else services.fault_tolerance_apply
    opened: list[Any] = []
    refusal = attempt(lambda: opened.append(service(actor=actor, **data)))
    return (opened[0] if opened else None), refusal
