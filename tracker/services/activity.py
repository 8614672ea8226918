"""What happens on a ticket besides transitions: progress, evidence, extensions, pauses, public feedback."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.errors import Conflict, Invalid, NotFound
from tracker.models import (
    EventKind,
    Evidence,
    ExtensionRequest,
    Feedback,
    PauseRequest,
    ProgressReport,
    Rating,
    RequestState,
    Ticket,
    TicketEvent,
)
from tracker.permissions import UNIT_ROLES, co_unit_of, roles_on
from tracker.schedule import ticket_schedule
from tracker.services._core import (
    CLOCK_FIELDS,
    check_version,
    end_pause,
    lock_ticket,
    policy_of,
    record,
    require_role,
    stage_deadline_moved,
)
from tracker.services.supervision import review_if_dissatisfied
from workflows import calendar, clocks
from workflows.machine import OPEN_STATES, PUBLISHED_STATES, Role, TicketState


def _require_state(ticket: Ticket, states: Iterable[str], message: str) -> None:
    if ticket.state not in states:
        raise Conflict(message, ticket=ticket)


def check_evidence_file(upload: UploadedFile) -> str | None:
    """Why this file may not be stored, or None when it may."""
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in settings.EVIDENCE_EXTENSIONS:
        return _("Files of type “%(ext)s” are not accepted; allowed: %(allowed)s.") % {
            "ext": extension or "?",
            "allowed": ", ".join(settings.EVIDENCE_EXTENSIONS),
        }
    if upload.size is not None and upload.size > settings.EVIDENCE_MAX_BYTES:
        return _("A file may be at most %(mb)s MB.") % {"mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}
    return None


def _store_evidence(
    ticket: Ticket,
    actor: User,
    files: list[UploadedFile],
    report: ProgressReport | None,
    public: bool = False,
) -> list[Evidence]:
    stored = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence = Evidence(
            ticket=ticket,
            report=report,
            name=PurePath(upload.name or "file").name[:255],
            size=upload.size or 0,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            public=public,
        )
        evidence.file.save(evidence.name, upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored


def _validate_files(files: list[UploadedFile]) -> None:
    problems = [p for p in map(check_evidence_file, files) if p]
    if problems:
        raise Invalid({"files": problems})


def progress_report(
    *,
    ticket_id: int,
    actor: User,
    text: str,
    percent: int,
    difficulties: str = "",
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
) -> ProgressReport:
    """阶段性进展: the unit reports how far it has got, with evidence files if it has them. An officer or head of a
    co-unit (协办单位) reports on that unit's part: the report is kept under the co-unit, and the ticket's progress
    stays the lead unit's, which consolidates the parts."""
    files = list(files)
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        co_unit = None if roles_on(actor, t) & set(UNIT_ROLES) else co_unit_of(actor, t)
        if co_unit is None:
            require_role(actor, t, UNIT_ROLES, _("report progress on"))
        _require_state(
            t,
            (TicketState.RECTIFYING, TicketState.EXPLAINED),
            _("Progress can be reported only while rectifying."),
        )
        check_version(t, version)
        errors: dict[str, str] = {}
        if not (text or "").strip():
            errors["text"] = _("Describe the progress.")
        if not isinstance(percent, int) or not 0 <= percent <= 100:
            errors["percent"] = _("Give a percentage from 0 to 100.")
        if errors:
            raise Invalid(errors)
        _validate_files(files)
        report = ProgressReport.objects.create(
            ticket=t,
            unit=co_unit,
            author=actor,
            text=text.strip(),
            percent=percent,
            difficulties=(difficulties or "").strip(),
        )
        evidence = _store_evidence(t, actor, files, report)
        data: dict[str, Any] = {"report": report.pk, "percent": percent, "evidence": [e.pk for e in evidence]}
        if co_unit is None:
            t.progress = percent
        else:
            data["co_unit"] = co_unit.pk
        record(t, kind=EventKind.PROGRESS, actor=actor, fields=("progress",), data=data)
    return report


def evidence_add(
    *,
    ticket_id: int,
    actor: User,
    files: Iterable[UploadedFile],
    version: int | None = None,
    public: bool = False,
) -> list[Evidence]:
    """佐证材料 added outside a progress report; `public`: the unit publishes the files with its explanation."""
    files = list(files)
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        require_role(actor, t, UNIT_ROLES, _("add evidence to"))
        _require_state(t, OPEN_STATES, _("Evidence can be added only to an open ticket."))
        check_version(t, version)
        if not files:
            raise Invalid({"files": _("Attach at least one file.")})
        _validate_files(files)
        evidence = _store_evidence(t, actor, files, None, public)
        record(t, kind=EventKind.EVIDENCE, actor=actor, data={"evidence": [e.pk for e in evidence]})
    return evidence


def extension_request(
    *,
    ticket_id: int,
    actor: User,
    requested_deadline: dt.date | None,
    reason: str,
    version: int | None = None,
) -> ExtensionRequest:
    """延期申请: filed by the unit before the rectification deadline it moves."""
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        require_role(actor, t, UNIT_ROLES, _("request an extension for"))
        _require_state(t, (TicketState.RECTIFYING,), _("Only the rectification deadline can be extended."))
        check_version(t, version)
        today = clocks.today()
        if today > t.due_on:
            raise Conflict(
                _("The deadline %(due)s has passed: an extension must be requested before it.") % {"due": t.due_on},
                ticket=t,
            )
        if ExtensionRequest.objects.filter(ticket=t, state=RequestState.PENDING).exists():
            raise Conflict(_("An extension request is already awaiting a decision."), ticket=t)
        errors: dict[str, str] = {}
        if not (reason or "").strip():
            errors["reason"] = _("Give a reason for the extension.")
        if requested_deadline is None or requested_deadline <= t.due_on:
            errors["requested_deadline"] = _("Ask for a date after the current deadline %(due)s.") % {"due": t.due_on}
        if errors:
            raise Invalid(errors)
        assert requested_deadline is not None  # refused above when missing
        request = ExtensionRequest.objects.create(
            ticket=t,
            requested_by=actor,
            reason=reason.strip(),
            current_deadline=t.due_on,
            requested_deadline=requested_deadline,
        )
        record(
            t,
            kind=EventKind.EXTENSION_REQUESTED,
            actor=actor,
            data={"request": request.pk, "requested_deadline": str(requested_deadline)},
        )
    return request


# The two kinds of clock request a supervisor decides (ClockRequest is their abstract base).
Request = TypeVar("Request", ExtensionRequest, PauseRequest)


def _decide(
    model: type[Request], request: Request, actor: User, approve: bool, reason: str, action: str
) -> tuple[Ticket, Request]:
    """Lock the ticket, then the request (always in that order), check the supervisor may decide it, and
    record the decision on the request; the caller applies what an approval means to the ticket."""
    t = lock_ticket(actor, request.ticket_id)
    require_role(actor, t, (Role.SUPERVISOR,), action)
    request = model.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise Conflict(_("This request has already been decided."), ticket=t)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise Invalid({"reason": _("Give a reason for rejecting the request.")})
    request.state = RequestState.APPROVED if approve else RequestState.REJECTED
    request.decided_by, request.decided_at, request.decision_reason = actor, timezone.now(), reason
    return t, request


def extension_decide(*, request: ExtensionRequest, actor: User, approve: bool, reason: str = "") -> ExtensionRequest:
    """A supervisor approves (the deadline moves, the ladder starts afresh) or rejects an extension request."""
    with transaction.atomic():
        t, request = _decide(ExtensionRequest, request, actor, approve, reason, _("decide extension requests on"))
        request.save()
        if approve:
            t.due_on = request.requested_deadline
            t.extension_count += 1
            if t.state == TicketState.RECTIFYING and not t.is_paused:
                t.stage_deadline = t.due_on
                ticket_schedule(ticket=t, policy=policy_of(t))
                stage_deadline_moved(t)
        record(
            t,
            kind=EventKind.EXTENSION_DECIDED,
            actor=actor,
            fields=("due_on", "extension_count", *CLOCK_FIELDS),
            from_state=t.state,
            data={"request": request.pk, "approved": approve, "due_on": str(t.due_on)},
        )
    return request


def pause_request(*, ticket_id: int, actor: User, reason: str, version: int | None = None) -> PauseRequest:
    """时限中止 request, e.g. waiting for an expert review or a test result."""
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        require_role(actor, t, UNIT_ROLES, _("request a pause for"))
        _require_state(t, OPEN_STATES, _("Only an open ticket's clock can be paused."))
        check_version(t, version)
        if PauseRequest.objects.filter(ticket=t, state__in=[RequestState.PENDING, RequestState.APPROVED]).exists():
            raise Conflict(_("A pause is already requested or running."), ticket=t)
        if t.stage_deadline is not None and clocks.today() > t.stage_deadline:
            raise Conflict(
                _("The stage's deadline %(due)s has passed: a pause must be requested before the deadline it stops.")
                % {"due": t.stage_deadline},
                ticket=t,
            )
        if not (reason or "").strip():
            raise Invalid({"reason": _("Give a reason for pausing the clock.")})
        request = PauseRequest.objects.create(ticket=t, requested_by=actor, reason=reason.strip())
        record(t, kind=EventKind.PAUSE_REQUESTED, actor=actor, data={"request": request.pk})
    return request


def pause_decide(*, request: PauseRequest, actor: User, approve: bool, reason: str = "") -> PauseRequest:
    """On approval the clock stops, keeping the working days that were left."""
    with transaction.atomic():
        t, request = _decide(PauseRequest, request, actor, approve, reason, _("decide pause requests on"))
        if approve:
            if t.state not in OPEN_STATES or t.stage_deadline is None:
                raise Conflict(_("The ticket's clock is not running."), ticket=t)
            today = clocks.today()
            left = max(0, calendar.workdays_between(today, t.stage_deadline))
            request.paused_on, request.workdays_left = today, left
            deadline = str(t.stage_deadline)
            t.paused_workdays_left, t.stage_deadline, t.next_action_at = left, None, None
            t.pause_count += 1
        request.save()
        data: dict[str, Any] = {"request": request.pk, "approved": approve, "workdays_left": request.workdays_left}
        if approve:
            data["stage_deadline"] = deadline  # given back as it was by a resume that stopped no working time
        record(
            t,
            kind=EventKind.PAUSE_DECIDED,
            actor=actor,
            fields=(*CLOCK_FIELDS, "pause_count"),
            from_state=t.state,
            data=data,
        )
    return request


def _deadline_after_pause(t: Ticket, today: dt.date) -> dt.date:
    """The stage deadline once the running pause ends today.

    The stage gets back the working days it had left when paused, counted from today. Two cases need the deadline
    itself rather than the count: a pause that stopped no working time (resumed the same day, or over days off)
    gives back exactly the deadline it took, even one on a day off, which counting forward would move to a working
    day; and a rectification deadline extended during the pause (due_on moved) counts from the new one.
    """
    paused_on = (
        PauseRequest.objects.filter(ticket=t, state=RequestState.APPROVED).values_list("paused_on", flat=True).first()
    )
    if t.state == TicketState.RECTIFYING:
        before: dt.date | None = t.due_on
    else:
        event = TicketEvent.objects.filter(ticket=t, kind=EventKind.PAUSE_DECIDED).order_by("-id").first()
        saved = event.data.get("stage_deadline") if event else None
        before = dt.date.fromisoformat(saved) if saved else None
    if paused_on is None or before is None:  # a pause recorded before the deadline was kept with it
        return calendar.add_workdays(today, t.paused_workdays_left or 0)
    if calendar.workdays_between(paused_on, today) <= 0:
        return before
    return calendar.add_workdays(today, max(0, calendar.workdays_between(paused_on, before)))


def clock_resume(*, ticket_id: int, actor: User, version: int | None = None) -> Ticket:
    """The pause ends: the stage gets back the working days it had left, counted from today."""
    with transaction.atomic():
        t = lock_ticket(actor, ticket_id)
        require_role(actor, t, (*UNIT_ROLES, Role.SUPERVISOR), _("resume the clock of"))
        check_version(t, version)
        if not t.is_paused:
            raise Conflict(_("The ticket's clock is not paused."), ticket=t)
        today = clocks.today()
        deadline = _deadline_after_pause(t, today)
        t.stage_deadline = deadline
        if t.state == TicketState.RECTIFYING:
            t.due_on = deadline
        end_pause(t, today)
        ticket_schedule(ticket=t, policy=policy_of(t))
        stage_deadline_moved(t)
        record(
            t,
            kind=EventKind.RESUMED,
            actor=actor,
            fields=("due_on", *CLOCK_FIELDS),
            from_state=t.state,
            data={"stage_deadline": str(deadline)},
        )
    return t


def feedback_give(*, ticket_id: int, rating: str, comment: str = "", client: str = "") -> Feedback:
    """群众评价 on a published explanation. Anonymous; it does not bump the version, so it never makes a unit's
    or assessor's form stale."""
    errors: dict[str, str] = {}
    if rating not in Rating.values:
        errors["rating"] = _("Choose satisfied, basically satisfied or dissatisfied.")
    if len(comment or "") > 2000:
        errors["comment"] = _("Keep the comment under 2000 characters.")
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        t = Ticket.objects.select_related("finding").filter(pk=ticket_id, state__in=PUBLISHED_STATES).first()
        if t is None:
            raise NotFound(_("No published explanation has this number."))
        feedback = Feedback.objects.create(ticket=t, rating=rating, comment=(comment or "").strip(), client=client[:64])
        record(
            t,
            kind=EventKind.FEEDBACK,
            actor=None,
            bump=False,
            data={"feedback": feedback.pk, "rating": rating},
        )
        if rating == Rating.DISSATISFIED:
            review_if_dissatisfied(t)
    return feedback
