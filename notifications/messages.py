"""What a message says. Written when its row is made, in the language of the person who receives it (their
preference, Simplified Chinese by default; a unit's webhook has a language of its own), never in whatever language
happens to be active; delivery only sends it.

The functions here write in the active language; `in_each_language` is how the derivers call them, once per
language an event's recipients read, whoever they are and however many.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.models import Kind
from tracker.models import Ticket
from workflows.machine import TicketState

DESCRIPTION_CHARS = 120


STAGE_TASKS: dict[str, str] = {
    TicketState.ASSIGNED: gettext_noop("sign for the ticket (签收)"),
    TicketState.RECTIFYING: gettext_noop("complete the rectification (整改)"),
    TicketState.EXPLAINED: gettext_noop("verify the rectification (验收)"),
    TicketState.VERIFIED: gettext_noop("close the ticket out (销号)"),
}
CLOCK_SUBJECTS: dict[str, str] = {
    Kind.REMIND: gettext_noop("Reminder (提醒): %(number)s — %(task)s by %(deadline)s"),
    Kind.CHASE: gettext_noop("Chase (催办): %(number)s — %(task)s was due on %(deadline)s"),
    Kind.SUPERVISE: gettext_noop("Supervision slip (督办): %(unit)s is %(days)s working days late on %(number)s"),
    Kind.LIST: gettext_noop("Listed supervision (挂牌督办): %(number)s of %(unit)s"),
    Kind.REPORT_REMIND: gettext_noop("Progress report due: %(number)s, by %(deadline)s"),
    Kind.REPORT_CHASE: gettext_noop("Progress report overdue (催报): %(number)s, due on %(deadline)s"),
    Kind.REPORT_SUPERVISE: gettext_noop("Supervision slip (督办): %(unit)s has not reported progress on %(number)s"),
}


T = TypeVar("T")


def in_each_language(compose: Callable[[], T]) -> Callable[[str], T]:
    """What `compose` writes, in the language asked for: composed the first time a language is asked for, with that
    language active (words, dates and numbers alike), and remembered for the next recipient who reads it."""
    written: dict[str, T] = {}

    def text(language: str) -> T:
        if language not in written:
            with translation.override(language):
                written[language] = compose()
        return written[language]

    return text


def day(value: dt.date | str | None) -> str:
    """A date as the active language writes it (2025年11月6日, Nov. 6, 2025); one kept as ISO text (an event's data)
    is read first. Anything else is shown as it is."""
    if isinstance(value, str):
        try:
            return formats.date_format(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return "—" if value is None else formats.date_format(value)


def stage_task(state: str) -> str:
    """What the stage's owner must do to end the stage."""
    return _(STAGE_TASKS.get(state, gettext_noop("act on the ticket")))


@functools.cache
def _link_pattern() -> str:
    marker = 987654321
    return settings.SITE_URL + reverse("ticket-detail", args=[marker]).replace(str(marker), "{}")


def ticket_link(ticket_id: int) -> str:
    return _link_pattern().format(ticket_id)


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    link: str


def _body(ticket: Ticket, lines: Iterable[str]) -> str:
    description = ticket.finding.description
    if len(description) > DESCRIPTION_CHARS:
        description = description[: DESCRIPTION_CHARS - 1] + "…"
    head = f"{ticket.number} · {ticket.lead_unit.name}\n{description}"
    return "\n".join([head, *[line for line in lines if line]])


def clock_text(kind: str, ticket: Ticket, *, deadline: dt.date, offset: int) -> Text:
    """A rung of a stage clock or of a long-term ticket's reporting cycle."""
    values = {
        "number": ticket.number,
        "unit": ticket.lead_unit.name,
        "task": stage_task(ticket.state),
        "deadline": day(deadline),
        "days": formats.localize(offset),
    }
    subject = _(CLOCK_SUBJECTS[kind]) % values
    if kind in (Kind.REMIND, Kind.REPORT_REMIND):
        detail = (
            _("Due today, %(deadline)s.") % values
            if offset == 0
            else _("Due on %(deadline)s: %(days)s working days left.") % values
        )
    elif kind == Kind.LIST:
        detail = (
            _(
                "%(days)s working days past the deadline of %(deadline)s: the ticket is now on the public register of "
                "listed supervision."
            )
            % values
        )
    else:
        detail = _("Deadline %(deadline)s; %(days)s working days overdue.") % values
    return Text(subject, _body(ticket, [detail]), ticket_link(ticket.pk))


def event_text(kind: str, ticket: Ticket, data: dict) -> Text:
    """Whoever must act next after a change to the ticket."""
    values = {
        "number": ticket.number,
        "unit": ticket.lead_unit.name,
        "deadline": day(ticket.stage_deadline),
        "due": day(data.get("due_on") or data.get("new_deadline") or ticket.due_on),
        "requested": day(data.get("requested_deadline", "")),
        "count": formats.localize(len(data.get("tickets") or []) or 1),
        "review": day(data.get("next_review_on")),
    }
    subjects: dict[str, str] = {
        Kind.ASSIGNED: _("New ticket for %(unit)s: %(number)s"),
        Kind.AWAITING_VERIFICATION: _("To verify: %(number)s of %(unit)s"),
        Kind.AWAITING_CLOSE: _("To close out: %(number)s of %(unit)s"),
        Kind.REJECTED: _("Sent back for rework (退回重改): %(number)s, new deadline %(due)s"),
        Kind.REOPENED: _("Reopened (复号): %(number)s, deadline %(due)s"),
        Kind.EXTENSION_REQUESTED: _("Extension requested: %(number)s of %(unit)s, to %(requested)s"),
        Kind.EXTENSION_DECIDED: (
            _("Extension approved: %(number)s, deadline now %(due)s")
            if data.get("approved")
            else _("Extension refused: %(number)s, deadline stays %(due)s")
        ),
        Kind.PAUSE_REQUESTED: _("Pause of the clock requested: %(number)s of %(unit)s"),
        Kind.PAUSE_DECIDED: (_("Clock paused: %(number)s") if data.get("approved") else _("Pause refused: %(number)s")),
        Kind.LISTED_BY_SUPERVISOR: _("Listed for supervision (挂牌督办): %(number)s of %(unit)s"),
        Kind.CHASED: _("Chase (催办) from the supervision office: %(unit)s, %(count)s overdue tickets"),
        Kind.REVIEW_REQUESTED: _("Public dissatisfied, review (复核): %(number)s of %(unit)s"),
        Kind.PLAN_SUBMITTED: _("Plan to sign (待签批): %(number)s"),
        Kind.PLAN_TO_REVIEW: _("Plan to review (方案审核): %(number)s of %(unit)s"),
        Kind.PLAN_RETURNED: _("Plan returned for revision (方案退回): %(number)s"),
        Kind.TICKET_RETURNED: _("Returned as not its own (退回) by %(unit)s: %(number)s"),
        Kind.RETURN_UPHELD: _("Assignment upheld (坚持交办): %(number)s stays with %(unit)s"),
        Kind.CONTINUED: _("Rectification continues (持续整改): %(number)s, next review %(review)s"),
        Kind.SUMMONED: _("Summons talk (约谈) on listed ticket %(number)s of %(unit)s"),
        Kind.CIRCULATED: _("Circulated notice (通报) on listed ticket %(number)s of %(unit)s"),
    }
    subject = subjects[kind] % values
    lines = []
    if kind in (Kind.ASSIGNED, Kind.AWAITING_VERIFICATION, Kind.AWAITING_CLOSE) and ticket.stage_deadline:
        lines.append(_("Stage deadline: %(deadline)s.") % values)
    if data.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": data["reason"]})
    if data.get("message"):
        lines.append(_("Message: %(message)s") % {"message": data["message"]})
    if data.get("note"):
        lines.append(_("Record: %(note)s") % {"note": data["note"]})
    if kind in (Kind.PLAN_SUBMITTED, Kind.PLAN_RETURNED, Kind.TICKET_RETURNED) and ticket.stage_deadline:
        lines.append(_("The signing deadline %(deadline)s keeps running.") % values)
    if kind == Kind.CHASED and data.get("numbers"):
        lines.append(_("Tickets: %(numbers)s") % {"numbers": "、".join(data["numbers"])})
    if kind == Kind.REVIEW_REQUESTED:
        lines.append(
            _("%(dissatisfied)s of %(total)s public ratings are dissatisfied: keep the verdict or reopen.")
            % {
                "dissatisfied": formats.localize(data.get("dissatisfied", 0)),
                "total": formats.localize(data.get("ratings", 0)),
            }
        )
    return Text(subject, _body(ticket, lines), ticket_link(ticket.pk))


@dataclass(frozen=True)
class DigestLine:
    ticket_id: int
    number: str
    unit: str
    deadline: dt.date
    red: bool
    listed: bool


def digest_text(on: dt.date, lines: list[DigestLine], per_unit: int = 10) -> Text:
    """督办日报: the tickets of a supervisor's subtree that are late or close to it, by unit, red first."""
    red = sum(line.red for line in lines)
    subject = _("Daily digest (督办日报) %(day)s: %(red)s overdue, %(yellow)s near the deadline") % {
        "day": day(on),
        "red": formats.localize(red),
        "yellow": formats.localize(len(lines) - red),
    }
    by_unit: dict[str, list[DigestLine]] = {}
    for line in lines:
        by_unit.setdefault(line.unit, []).append(line)
    # Units with the most overdue tickets first; within a unit, overdue first, then by deadline.
    order = sorted(by_unit.items(), key=lambda item: (-sum(x.red for x in item[1]), -len(item[1]), item[0]))
    out = []
    for unit, items in order:
        items.sort(key=lambda x: (not x.red, x.deadline, x.number))
        out.append(
            _("%(unit)s: %(red)s overdue, %(yellow)s near the deadline")
            % {
                "unit": unit,
                "red": formats.localize(sum(x.red for x in items)),
                "yellow": formats.localize(sum(not x.red for x in items)),
            }
        )
        for item in items[:per_unit]:
            flag = _("red (红)") if item.red else _("yellow (黄)")
            listed = " " + _("[listed 挂牌]") if item.listed else ""
            out.append(f"  - {item.number} · {flag} · {day(item.deadline)}{listed}")
        if len(items) > per_unit:
            out.append("  " + _("… and %(n)s more") % {"n": formats.localize(len(items) - per_unit)})
    return Text(subject, "\n".join(out), settings.SITE_URL + reverse("dashboard"))
