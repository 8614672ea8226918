"""The decision procedures (DESIGN.md, "The domain"; DOMAIN.md, "Accountability", "Fault tolerance and correction").

Three kinds of decision share one machine with two state fields: `state` follows the procedure, `appeal_state`
the appeal (申诉), which runs beside the decision without suspending it. Each transition declares the kinds it
belongs to and the roles that may fire it; what it needs (a statement, measures, a reason) and when it may be
fired (before or after a deadline) are checked by the tracker service that fires it.

    accountability (问责)
        opened ─investigate─▶ investigating ─request_statement─▶ statement ─file_statement / waive_statement─▶
        deliberating ─decide─▶ enforcing ─record_enforcement─▶ enforced          (publish keeps the state)
                     └dismiss─▶ dismissed          appeal: "" ─appeal─▶ pending ─decide_appeal─▶ decided
    fault tolerance (容错免责)
        applied ─investigate─▶ investigating ─exempt / mitigate / refuse─▶ exempted / mitigated / refused
                                                                            (follow_up keeps the state)
    correction (纠错)
        tracking (its rectification ticket is open) ─complete─▶ completed (once that ticket is closed)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows import calendar
from workflows.machine import Role

# The subject of a decision acts in its procedure (statement, appeal, application) without holding a unit role
# for it: a pseudo-role, resolved by tracker.permissions from the decision's subject.
SUBJECT = "subject"
BODIES = (Role.DISCIPLINE, Role.ORGANISATION)  # the collective bodies that investigate and decide


class DecisionKind(models.TextChoices):
    ACCOUNTABILITY = "accountability", _("Accountability (问责)")
    FAULT_TOLERANCE = "fault_tolerance", _("Fault tolerance (容错免责)")
    CORRECTION = "correction", _("Correction (纠错)")


class DecisionState(models.TextChoices):
    # accountability
    OPENED = "opened", _("Opened (启动)")
    INVESTIGATING = "investigating", _("Investigating (调查核实)")
    STATEMENT = "statement", _("Awaiting statement and defence (陈述申辩)")
    DELIBERATING = "deliberating", _("Awaiting collective decision (集体研究)")
    ENFORCING = "enforcing", _("Decided, being enforced (执行中)")
    ENFORCED = "enforced", _("Enforced (执行完毕)")
    DISMISSED = "dismissed", _("No accountability (不予问责)")
    # fault tolerance
    APPLIED = "applied", _("Applied (容错申请)")
    EXEMPTED = "exempted", _("Exempted (免责)")
    MITIGATED = "mitigated", _("Mitigated (从轻减轻)")
    REFUSED = "refused", _("Refused (不予容错)")
    # correction
    TRACKING = "tracking", _("Correction being rectified (纠错整改中)")
    COMPLETED = "completed", _("Correction completed (纠错完成)")


class AppealState(models.TextChoices):
    NONE = "", _("No appeal")
    PENDING = "pending", _("Appeal pending (申诉中)")
    DECIDED = "decided", _("Appeal decided (申诉已复查)")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld (维持)")
    CHANGED = "changed", _("Changed (变更)")
    REVOKED = "revoked", _("Revoked (撤销)")


D = DecisionState
INITIAL_STATE = {
    DecisionKind.ACCOUNTABILITY: D.OPENED,
    DecisionKind.FAULT_TOLERANCE: D.APPLIED,
    DecisionKind.CORRECTION: D.TRACKING,
}
# The decision has taken effect: its measures stand (an appeal may be filed against them).
IN_EFFECT = (D.ENFORCING, D.ENFORCED)
FINAL_STATES = (D.ENFORCED, D.DISMISSED, D.EXEMPTED, D.MITIGATED, D.REFUSED, D.COMPLETED)
# States whose step runs against a deadline (Decision.due_on), and the role that owes it.
STEP_OWNER = {
    D.STATEMENT: SUBJECT,
    D.DELIBERATING: Role.DISCIPLINE,
    D.ENFORCING: Role.ORGANISATION,
    D.INVESTIGATING: Role.DISCIPLINE,
}

# Procedure time limits. Statement and investigation in working days; enforcement of an organisational adjustment
# and the appeal window in months (问责条例: adjustments within one month; an appeal within one month of receipt).
STATEMENT_WORKDAYS = 5
INVESTIGATION_WORKDAYS = 20
DELIBERATION_WORKDAYS = 10
ENFORCEMENT_MONTHS = 1
APPEAL_MONTHS = 1
REMIND_WORKDAYS_BEFORE = 2


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def months_on(day: dt.date, months: int) -> dt.date:
    """A month-counted limit that ends on a working day: a limit falling on a day off runs to the next workday."""
    return calendar.next_workday(add_months(day, months))


def step_deadline(state: str, on: dt.date) -> dt.date | None:
    """The deadline of the step a decision has just entered on `on`."""
    if state == D.STATEMENT:
        return calendar.add_workdays(on, STATEMENT_WORKDAYS)
    if state == D.INVESTIGATING:
        return calendar.add_workdays(on, INVESTIGATION_WORKDAYS)
    if state == D.DELIBERATING:
        return calendar.add_workdays(on, DELIBERATION_WORKDAYS)
    if state == D.ENFORCING:
        return months_on(on, ENFORCEMENT_MONTHS)
    return None


def _fires(*roles: str, kinds: tuple[str, ...], label: Any) -> dict[str, object]:
    return {"roles": tuple(roles), "kinds": kinds, "label": label}


ACC = (DecisionKind.ACCOUNTABILITY,)
TOL = (DecisionKind.FAULT_TOLERANCE,)
COR = (DecisionKind.CORRECTION,)


class DecisionMachine(ConcurrentTransitionMixin, models.Model):
    """Abstract model carrying the procedure's state and the appeal's; the decision model inherits it."""

    state = FSMField(_("state"), default=D.OPENED, choices=DecisionState.choices, protected=True)
    appeal_state = FSMField(
        _("appeal"), default=AppealState.NONE, choices=AppealState.choices, protected=True, blank=True
    )

    class Meta:
        abstract = True

    # --- accountability ---------------------------------------------------------------------------------------

    @transition(
        state,
        source=[D.OPENED, D.APPLIED],
        target=D.INVESTIGATING,
        custom=_fires(*BODIES, kinds=ACC + TOL, label=_("Start investigation (调查核实)")),
    )
    def investigate(self) -> None:
        """The body starts checking the facts."""

    @transition(
        state,
        source=D.INVESTIGATING,
        target=D.STATEMENT,
        custom=_fires(*BODIES, kinds=ACC, label=_("Hear the subject (告知陈述申辩)")),
    )
    def request_statement(self) -> None:
        """The subject is told the facts found and may state their case within the time limit."""

    @transition(
        state,
        source=D.STATEMENT,
        target=D.DELIBERATING,
        custom=_fires(SUBJECT, kinds=ACC, label=_("File statement and defence (陈述申辩)")),
    )
    def file_statement(self) -> None:
        """The subject's own text is on the record."""

    @transition(
        state,
        source=D.STATEMENT,
        target=D.DELIBERATING,
        custom=_fires(*BODIES, kinds=ACC, label=_("Proceed without statement (逾期未陈述)")),
    )
    def waive_statement(self) -> None:
        """The time limit passed without a statement."""

    @transition(
        state,
        source=D.DELIBERATING,
        target=D.ENFORCING,
        custom=_fires(*BODIES, kinds=ACC, label=_("Decide (集体决定)")),
    )
    def decide(self) -> None:
        """The collective body decides the measures; enforcement starts."""

    @transition(
        state,
        source=[D.INVESTIGATING, D.DELIBERATING],
        target=D.DISMISSED,
        custom=_fires(*BODIES, kinds=ACC, label=_("No accountability (不予问责)")),
    )
    def dismiss(self) -> None:
        """The body finds no ground for accountability (or the fault was tolerated)."""

    @transition(
        state,
        source=D.ENFORCING,
        target=D.ENFORCED,
        custom=_fires(*BODIES, kinds=ACC, label=_("Record enforcement (执行到位)")),
    )
    def record_enforcement(self) -> None:
        """The measures have been carried out."""

    @transition(
        state,
        source=list(IN_EFFECT),
        target=None,
        custom=_fires(*BODIES, kinds=ACC, label=_("Publish (公开通报)")),
    )
    def publish(self) -> None:
        """A public measure is published on the register."""

    @transition(
        appeal_state,
        source=AppealState.NONE,
        target=AppealState.PENDING,
        conditions=[lambda decision: decision.state in IN_EFFECT],  # type: ignore[attr-defined]
        custom=_fires(SUBJECT, kinds=ACC, label=_("Appeal (申诉)")),
    )
    def appeal(self) -> None:
        """The subject appeals; the decision stays in force meanwhile."""

    @transition(
        appeal_state,
        source=AppealState.PENDING,
        target=AppealState.DECIDED,
        custom=_fires(*BODIES, kinds=ACC, label=_("Decide the appeal (申诉复查)")),
    )
    def decide_appeal(self) -> None:
        """The appeal is upheld, changed or revoked."""

    # --- fault tolerance --------------------------------------------------------------------------------------

    @transition(
        state,
        source=D.INVESTIGATING,
        target=D.EXEMPTED,
        custom=_fires(*BODIES, kinds=TOL, label=_("Exempt (免责)")),
    )
    def exempt(self) -> None:
        """The fault is tolerated: no accountability."""

    @transition(
        state,
        source=D.INVESTIGATING,
        target=D.MITIGATED,
        custom=_fires(*BODIES, kinds=TOL, label=_("Mitigate (从轻减轻)")),
    )
    def mitigate(self) -> None:
        """Accountability is lighter."""

    @transition(
        state,
        source=D.INVESTIGATING,
        target=D.REFUSED,
        custom=_fires(*BODIES, kinds=TOL, label=_("Refuse (不予容错)")),
    )
    def refuse(self) -> None:
        """The fault is not tolerated: accountability is opened or resumes."""

    @transition(
        state,
        source=[D.EXEMPTED, D.MITIGATED],
        target=None,
        custom=_fires(*BODIES, kinds=TOL, label=_("Record follow-up (免责通报 / 澄清正名 / 回访)")),
    )
    def follow_up(self) -> None:
        """What was done after the decision: a notice, clearing the name, a return visit."""

    # --- correction -------------------------------------------------------------------------------------------

    @transition(
        state,
        source=D.TRACKING,
        target=D.COMPLETED,
        custom=_fires(Role.SUPERVISOR, *BODIES, kinds=COR, label=_("Complete (纠错完成)")),
    )
    def complete(self) -> None:
        """The correction's rectification ticket is closed."""


@dataclass(frozen=True)
class DecisionTransitionSpec:
    name: str
    field: str
    sources: tuple[str, ...]
    target: str | None  # None keeps the state
    roles: tuple[str, ...]
    kinds: tuple[str, ...]
    label: Any


def _collect() -> dict[str, DecisionTransitionSpec]:
    specs = {}
    for name, member in vars(DecisionMachine).items():
        meta = getattr(member, "_django_fsm", None)
        if meta is None:
            continue
        first = next(iter(meta.transitions.values()))
        specs[name] = DecisionTransitionSpec(
            name=name,
            field=meta.field.name if hasattr(meta.field, "name") else str(meta.field),
            sources=tuple(str(source) for source in meta.transitions),
            target=None if first.target is None else str(first.target),
            roles=tuple(str(role) for role in first.custom["roles"]),
            kinds=tuple(str(kind) for kind in first.custom["kinds"]),
            label=first.custom["label"],
        )
    return specs


DECISION_TRANSITIONS: dict[str, DecisionTransitionSpec] = _collect()


def decision_transitions_from(kind: str, state: str, appeal_state: str) -> list[DecisionTransitionSpec]:
    """The transitions a decision of `kind` in these states may take, whoever asks."""
    found = []
    for spec in DECISION_TRANSITIONS.values():
        if kind not in spec.kinds:
            continue
        if spec.field == "appeal_state":
            if appeal_state in spec.sources and (spec.name != "appeal" or state in IN_EFFECT):
                found.append(spec)
        elif state in spec.sources:
            found.append(spec)
    return found
