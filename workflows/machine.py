"""The rectification state machine (DESIGN.md, "The rectification workflow").

The machine declares states, transitions and which role may fire each; it changes nothing but the state field.
What a transition needs (a plan, evidence, a reason) is checked by the tracker service that fires it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class TicketState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned (已交办)")
    RECTIFYING = "rectifying", _("Rectifying (整改中)")
    EXPLAINED = "explained", _("Explained (已公示)")
    VERIFIED = "verified", _("Verified (已验收)")
    CLOSED = "closed", _("Closed (已销号)")
    WITHDRAWN = "withdrawn", _("Withdrawn (已撤销)")


class Role(models.TextChoices):
    ASSESSOR = "assessor", _("Assessor (考核组)")
    OFFICER = "officer", _("Unit officer (经办人)")
    HEAD = "head", _("Unit head (主要负责人)")
    SUPERVISOR = "supervisor", _("Supervisor (督查)")
    DISCIPLINE = "discipline", _("Discipline inspection (纪检)")
    ORGANISATION = "organisation", _("Organisation department (组织部门)")
    ADMIN = "admin", _("Administrator (管理员)")


S = TicketState
OPEN_STATES = (S.ASSIGNED, S.RECTIFYING, S.EXPLAINED, S.VERIFIED)
# States in which the ticket's public explanation is published (公示) and open to the public's feedback.
PUBLISHED_STATES = (S.EXPLAINED, S.VERIFIED, S.CLOSED)

# Who must act in each open state; the stage's clock alerts this role when it runs out.
STAGE_OWNER: dict[str, Role] = {
    S.ASSIGNED: Role.OFFICER,
    S.RECTIFYING: Role.OFFICER,
    S.EXPLAINED: Role.ASSESSOR,
    S.VERIFIED: Role.SUPERVISOR,
}


@dataclass(frozen=True)
class Guard:
    """A condition a transition needs besides state and role, asked of the ticket by the name of one of its methods
    (the tracker implements them; the machine only names them), with what a refusal says when it fails."""

    method: str
    expected: bool
    refusal: str | Promise

    def __call__(self, instance: Any) -> bool:
        return bool(getattr(instance, self.method)()) is self.expected


def _fires(*roles: Role, label: str | Promise, guards: tuple[Guard, ...] = ()) -> dict[str, object]:
    return {"roles": tuple(roles), "label": label, "guards": guards}


# The guards of the signing stage (签收): a plan needs the head's signature, and for a severe finding (or where the
# policy says so) the assessor's review (方案审核); a unit that returned the ticket waits for the decision on it.
NOT_RETURNED = Guard(
    "has_return_pending",
    False,
    _("The unit has returned this ticket as not its own: the assessor or supervisor decides first."),
)
NO_REVIEW = Guard(
    "plan_needs_review",
    False,
    _("This finding's plan is reviewed by the assessor: sign the plan for review instead."),
)
NEEDS_REVIEW = Guard("plan_needs_review", True, _("This finding's plan needs no review: sign for the ticket instead."))
AWAITING_REVIEW = Guard("plan_awaiting_review", True, _("No signed plan awaits review."))
NOT_AWAITING_REVIEW = Guard("plan_awaiting_review", False, _("The signed plan awaits the assessor's review."))
RETURN_PENDING = Guard("has_return_pending", True, _("The unit has not returned this ticket."))
LONG_TERM = Guard(
    "is_long_term", True, _("Only a long-term problem (长期坚持) can be kept in rectification with this verdict.")
)


class RectificationMachine(ConcurrentTransitionMixin, models.Model):
    """Abstract model carrying the workflow state; the ticket model inherits it."""

    state = FSMField(_("state"), default=S.ASSIGNED, choices=TicketState.choices, protected=True)

    class Meta:
        abstract = True

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        custom=_fires(Role.OFFICER, Role.HEAD, label=_("Submit the plan (报送方案)"), guards=(NOT_AWAITING_REVIEW,)),
    )
    def submit_plan(self) -> None:
        """An officer drafts the plan for the unit head's signature; the signing clock keeps running."""

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.RECTIFYING,
        custom=_fires(Role.HEAD, label=_("Accept (签收)"), guards=(NOT_RETURNED, NO_REVIEW)),
    )
    def accept(self) -> None:
        """The unit head signs the plan and the unit signs for the ticket: rectifying starts."""

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        custom=_fires(
            Role.HEAD,
            label=_("Sign the plan for review (签批方案)"),
            guards=(NOT_RETURNED, NEEDS_REVIEW, NOT_AWAITING_REVIEW),
        ),
    )
    def sign_plan(self) -> None:
        """The head signs a plan that the assessor reviews before rectifying starts."""

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.RECTIFYING,
        custom=_fires(Role.ASSESSOR, label=_("Approve the plan (方案审核通过)"), guards=(AWAITING_REVIEW,)),
    )
    def approve_plan(self) -> None:
        """The assessor approves the signed plan: rectifying starts."""

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        custom=_fires(Role.ASSESSOR, label=_("Return the plan (方案退回)"), guards=(AWAITING_REVIEW,)),
    )
    def return_plan(self) -> None:
        """The assessor sends the plan back with a reason; the signing clock keeps running."""

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        custom=_fires(Role.OFFICER, Role.HEAD, label=_("Return as not ours (退回)"), guards=(NOT_RETURNED,)),
    )
    def return_ticket(self) -> None:
        """The unit believes the ticket is not its own and returns it, saying why and, if it knows, to whom."""

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        custom=_fires(
            Role.ASSESSOR, Role.SUPERVISOR, label=_("Uphold the assignment (坚持交办)"), guards=(RETURN_PENDING,)
        ),
    )
    def insist(self) -> None:
        """The assessor or supervisor keeps the ticket with the unit that returned it; its signing clock runs on."""

    @transition(
        state,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        custom=_fires(Role.ASSESSOR, Role.SUPERVISOR, label=_("Reassign (改派)")),
    )
    def reassign(self) -> None:
        """Another unit takes the ticket over; its signing clock starts afresh."""

    @transition(
        state,
        source=S.RECTIFYING,
        target=S.EXPLAINED,
        custom=_fires(Role.HEAD, label=_("Explain (公示说明)")),
    )
    def explain(self) -> None:
        """The public explanation, signed by the unit head, is published."""

    @transition(state, source=S.EXPLAINED, target=S.VERIFIED, custom=_fires(Role.ASSESSOR, label=_("Verify (验收)")))
    def verify(self) -> None:
        """An assessor outside the unit accepts the rectification."""

    @transition(
        state,
        source=S.EXPLAINED,
        target=S.RECTIFYING,
        custom=_fires(Role.ASSESSOR, label=_("Reject (退回重改)")),
    )
    def reject(self) -> None:
        """An assessor sends the ticket back to the unit with a new deadline."""

    @transition(
        state,
        source=S.EXPLAINED,
        target=S.EXPLAINED,
        custom=_fires(Role.ASSESSOR, label=_("Continue rectifying (持续整改)"), guards=(LONG_TERM,)),
    )
    def continue_rectifying(self) -> None:
        """A long-term problem stays open in its reporting cycle until the next review date (问题不解决不销号)."""

    @transition(state, source=S.VERIFIED, target=S.CLOSED, custom=_fires(Role.SUPERVISOR, label=_("Close (销号)")))
    def close(self) -> None:
        """A supervisor closes the ticket out."""

    @transition(
        state,
        source=S.CLOSED,
        target=S.RECTIFYING,
        custom=_fires(Role.SUPERVISOR, Role.ASSESSOR, label=_("Reopen (复号)")),
    )
    def reopen(self) -> None:
        """A closed ticket goes back to the unit (recurrence, public complaint, spot check)."""

    @transition(
        state,
        source=[S.ASSIGNED, S.RECTIFYING],
        target=S.WITHDRAWN,
        custom=_fires(Role.SUPERVISOR, label=_("Withdraw (撤销)")),
    )
    def withdraw(self) -> None:
        """A finding logged in error is withdrawn."""


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: Any
    guards: tuple[Guard, ...] = ()

    def failed_guard(self, instance: Any) -> Guard | None:
        """The first of the transition's guards the ticket does not meet, or None."""
        return next((guard for guard in self.guards if not guard(instance)), None)


def _collect() -> dict[str, TransitionSpec]:
    """Read the transitions off the decorated methods (an abstract model has no field registry of its own)."""
    specs = {}
    for name, member in vars(RectificationMachine).items():
        meta = getattr(member, "_django_fsm", None)
        if meta is None:
            continue
        first = next(iter(meta.transitions.values()))
        specs[name] = TransitionSpec(
            name=name,
            sources=tuple(str(source) for source in meta.transitions),
            target=str(first.target),
            roles=tuple(str(role) for role in first.custom["roles"]),
            label=first.custom["label"],
            guards=first.custom.get("guards", ()),
        )
    return specs


TRANSITIONS: dict[str, TransitionSpec] = _collect()


def transitions_from(state: str) -> list[TransitionSpec]:
    return [spec for spec in TRANSITIONS.values() if state in spec.sources]


def as_mermaid() -> str:
    """The state graph as a Mermaid diagram, for the docs and the ticket page."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.ASSIGNED.value}"]
    for spec in TRANSITIONS.values():
        for source in spec.sources:
            lines.append(f"    {source} --> {spec.target}: {spec.name}")
    lines += [f"    {S.CLOSED.value} --> [*]", f"    {S.WITHDRAWN.value} --> [*]"]
    return "\n".join(lines)


def as_dot() -> str:
    """The state graph in Graphviz DOT."""
    lines = [
        "digraph rectification {",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="sans-serif"];',
    ]
    for spec in TRANSITIONS.values():
        for source in spec.sources:
            lines.append(f'  {source} -> {spec.target} [label="{spec.name}"];')
    lines.append("}")
    return "\n".join(lines)
