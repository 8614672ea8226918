"""Writes of the decision record: each step of a procedure (workflows.decisions); opening one is in
tracker.services.decision_opening.

Every service locks the decision row (`select_for_update(of=("self",))`), checks that the actor may see it
(NotFound), holds a role that may take the step (Forbidden), that the state allows it (InvalidTransition) and the
version read (StaleVersion); then fires the transition, saves the changed fields and appends the event to the hash
chain (tracker.decision_chain), all in one transaction. The chain's lock is taken last, after every row the
service writes is locked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from tracker import decision_chain
from tracker.decision_selectors import decision_get, roles_on_decision
from tracker.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound, StaleVersion
from tracker.models import Decision, DecisionEvent, DecisionEventKind, SubjectKind
from tracker.models.decisions import ADJUSTMENTS, PERSON_MEASURES, PUBLIC_MEASURES, UNIT_MEASURES, FollowUp
from tracker.services.decision_opening import need_text, open_decision
from workflows import clocks
from workflows.decisions import (
    APPEAL_MONTHS,
    BODIES,
    DECISION_TRANSITIONS,
    IN_EFFECT,
    AppealOutcome,
    DecisionKind,
    add_months,
    months_on,
    step_deadline,
)
from workflows.machine import TicketState

TEXT_FIELDS_AMENDABLE = ("facts", "rule", "deciding_body", "document_number")


# --- the clock of a step ------------------------------------------------------------------------------------------


def _start_step(decision: Decision, today: dt.date, due_on: dt.date | None = None) -> list[str]:
    """Start the clock of the step the decision has entered. The sweep tells whoever owes it at once, reminds
    them before the deadline and chases them after it (notifications.decisions)."""
    decision.step_started_on = today
    decision.due_on = due_on if due_on is not None else step_deadline(decision.state, today)
    decision.next_action_at = clocks.start_of(today) if decision.due_on is not None else None
    return ["step_started_on", "due_on", "next_action_at"]


# --- shared checks ------------------------------------------------------------------------------------------------


def _lock_for(decision_id: int, actor: User, name: str, version: int | None) -> Decision:
    """The decision locked for transition `name`, once the actor is found to be allowed to fire it now."""
    decision = decision_get(actor, decision_id, lock=True)
    spec = DECISION_TRANSITIONS[name]
    if not roles_on_decision(actor, decision) & set(spec.roles):
        raise Forbidden(
            _("You hold no role that may take this step of the decision."),
            decision=decision,
        )
    current = decision.appeal_state if spec.field == "appeal_state" else decision.state
    allowed = decision.kind in spec.kinds and current in spec.sources
    if name == "appeal":
        allowed = allowed and decision.state in IN_EFFECT
    if not allowed:
        raise InvalidTransition(
            _("This step cannot be taken while the decision is %(state)s.") % {"state": decision.get_state_display()},
            decision=decision,
        )
    if version is not None and version != decision.version:
        raise StaleVersion(
            _("The decision has changed since you read it (your version %(yours)s, current %(current)s).")
            % {"yours": version, "current": decision.version},
            decision=decision,
        )
    return decision


def _save(decision: Decision, fields: Iterable[str]) -> None:
    decision.version += 1
    decision.save(update_fields=sorted({*fields, "state", "appeal_state", "version", "updated_at"}))


# --- accountability -----------------------------------------------------------------------------------------------


def decision_investigate(*, decision_id: int, actor: User, version: int, note: str = "") -> Decision:
    """调查核实 starts, against its time limit."""
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "investigate", version)
        before = decision.state
        decision.investigate()
        fields = _start_step(decision, clocks.today())
        _save(decision, fields)
        decision_chain.append(
            decision,
            kind=DecisionEventKind.INVESTIGATE,
            actor=actor,
            from_state=before,
            data={"note": note.strip(), "due_on": str(decision.due_on)},
        )
    return decision


def decision_request_statement(*, decision_id: int, actor: User, version: int, facts_told: str) -> Decision:
    """告知: the subject is told the facts found and has STATEMENT_WORKDAYS working days to state their case."""
    if not (facts_told or "").strip():
        raise Invalid({"facts_told": _("Tell the subject the facts found.")})
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "request_statement", version)
        before = decision.state
        decision.request_statement()
        fields = _start_step(decision, clocks.today())
        _save(decision, fields)
        decision_chain.append(
            decision,
            kind=DecisionEventKind.REQUEST_STATEMENT,
            actor=actor,
            from_state=before,
            data={"facts_told": facts_told.strip(), "due_on": str(decision.due_on)},
        )
    return decision


def decision_file_statement(*, decision_id: int, actor: User, version: int, statement: str) -> Decision:
    """陈述申辩: the subject's own text goes on the record, as written."""
    if not (statement or "").strip():
        raise Invalid({"statement": _("Write your statement and defence.")})
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "file_statement", version)
        before, late = decision.state, decision.due_on is not None and clocks.today() > decision.due_on
        decision.file_statement()
        fields = _start_step(decision, clocks.today())
        _save(decision, fields)
        decision_chain.append(
            decision,
            kind=DecisionEventKind.FILE_STATEMENT,
            actor=actor,
            from_state=before,
            data={"statement": statement, "late": late},
        )
    return decision


def decision_waive_statement(*, decision_id: int, actor: User, version: int, note: str = "") -> Decision:
    """The body proceeds once the time limit for the statement has passed without one."""
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "waive_statement", version)
        if decision.due_on is not None and clocks.today() <= decision.due_on:
            raise Conflict(
                _("The subject may state their case until %(date)s.") % {"date": decision.due_on},
                decision=decision,
            )
        before = decision.state
        decision.waive_statement()
        fields = _start_step(decision, clocks.today())
        _save(decision, fields)
        decision_chain.append(
            decision, kind=DecisionEventKind.WAIVE_STATEMENT, actor=actor, from_state=before, data={"note": note}
        )
    return decision


def check_measures(subject_kind: str, measures: Iterable[str]) -> list[str]:
    """The measures, de-duplicated in the order of the law; Invalid when one does not fit the subject."""
    chosen = list(dict.fromkeys(measures))
    allowed = UNIT_MEASURES if subject_kind == SubjectKind.UNIT else PERSON_MEASURES
    if not chosen:
        raise Invalid({"measures": _("Choose at least one measure.")})
    if any(measure not in allowed for measure in chosen):
        raise Invalid({"measures": _("A measure does not fit the subject (organisation or person).")})
    if sum(measure in ADJUSTMENTS for measure in chosen) > 1:
        raise Invalid({"measures": _("Choose one organisational adjustment at most.")})
    return [measure for measure in allowed if measure in chosen]


def decision_decide(
    *,
    decision_id: int,
    actor: User,
    version: int,
    measures: list[str],
    deciding_body: str,
    document_number: str = "",
    effect_months: int | None = None,
    reasons: str = "",
) -> Decision:
    """集体决定: the collective body decides the measures; enforcement runs for a month, the appeal window opens."""
    if not (deciding_body or "").strip():
        raise Invalid({"deciding_body": _("Name the collective body that decided.")})
    if effect_months is not None and not 0 < effect_months <= 120:
        raise Invalid({"effect_months": _("Give the period of effect in months (1 to 120).")})
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "decide", version)
        chosen = check_measures(decision.subject_kind, measures)
        today = clocks.today()
        before = decision.state
        decision.decide()
        decision.measures = chosen
        decision.deciding_body = deciding_body.strip()
        decision.document_number = (document_number or "").strip()
        decision.decided_by_id = actor.pk
        decision.decided_on = today
        decision.appeal_until = months_on(today, APPEAL_MONTHS)
        decision.effect_until = add_months(today, effect_months) if effect_months else None
        fields = _start_step(decision, today)
        _save(
            decision,
            [
                *fields,
                "measures",
                "deciding_body",
                "document_number",
                "decided_by",
                "decided_on",
                "appeal_until",
                "effect_until",
            ],
        )
        decision_chain.append(
            decision,
            kind=DecisionEventKind.DECIDE,
            actor=actor,
            from_state=before,
            data={
                "measures": chosen,
                "deciding_body": decision.deciding_body,
                "document_number": decision.document_number,
                "effect_until": str(decision.effect_until) if decision.effect_until else None,
                "appeal_until": str(decision.appeal_until),
                "enforce_by": str(decision.due_on),
                "reasons": reasons.strip(),
            },
        )
    return decision


def _end_step(decision: Decision) -> list[str]:
    decision.due_on = None
    decision.next_action_at = None
    return ["due_on", "next_action_at"]


def decision_dismiss(*, decision_id: int, actor: User, version: int, reason: str) -> Decision:
    """不予问责: no ground for accountability was found."""
    if not (reason or "").strip():
        raise Invalid({"reason": _("Give the reason.")})
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "dismiss", version)
        return _dismissed(decision, actor, reason.strip())


def _dismissed(decision: Decision, actor: User, reason: str, **data: Any) -> Decision:
    before = decision.state
    decision.dismiss()
    _save(decision, _end_step(decision))
    decision_chain.append(
        decision, kind=DecisionEventKind.DISMISS, actor=actor, from_state=before, data={"reason": reason, **data}
    )
    return decision


def decision_record_enforcement(*, decision_id: int, actor: User, version: int, note: str) -> Decision:
    """执行到位: what was done to carry the measures out."""
    if not (note or "").strip():
        raise Invalid({"note": _("Say how the measures were carried out.")})
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "record_enforcement", version)
        before, late = decision.state, decision.due_on is not None and clocks.today() > decision.due_on
        decision.record_enforcement()
        _save(decision, _end_step(decision))
        decision_chain.append(
            decision,
            kind=DecisionEventKind.RECORD_ENFORCEMENT,
            actor=actor,
            from_state=before,
            data={"note": note.strip(), "late": late},
        )
    return decision


def decision_publish(*, decision_id: int, actor: User, version: int, notice: str = "") -> Decision:
    """公开通报: a decision with a circulated notice among its measures goes on the public register."""
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "publish", version)
        if not set(decision.measures) & set(PUBLIC_MEASURES):
            raise Conflict(
                _("Only a decision with a circulated notice (通报) is published."),
                decision=decision,
            )
        if decision.published_on is not None or decision.appeal_outcome == AppealOutcome.REVOKED:
            raise Conflict(
                _("This decision is already published, or was revoked."),
                decision=decision,
            )
        decision.publish()
        decision.published_on = clocks.today()
        _save(decision, ["published_on"])
        decision_chain.append(
            decision,
            kind=DecisionEventKind.PUBLISH,
            actor=actor,
            from_state=decision.state,
            data={"notice": notice.strip(), "published_on": str(decision.published_on)},
        )
    return decision


def decision_appeal(*, decision_id: int, actor: User, version: int, grounds: str) -> Decision:
    """申诉: the subject appeals within the window. The decision stays in force and its enforcement runs on."""
    if not (grounds or "").strip():
        raise Invalid({"grounds": _("Give the grounds of the appeal.")})
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "appeal", version)
        if decision.appeal_until is not None and clocks.today() > decision.appeal_until:
            raise Conflict(
                _("The appeal window ended on %(date)s.") % {"date": decision.appeal_until},
                decision=decision,
            )
        decision.appeal()
        _save(decision, [])
        decision_chain.append(
            decision,
            kind=DecisionEventKind.APPEAL,
            actor=actor,
            from_state=decision.state,
            data={"grounds": grounds},
        )
    return decision


def decision_decide_appeal(
    *,
    decision_id: int,
    actor: User,
    version: int,
    outcome: str,
    reason: str,
    measures: list[str] | None = None,
) -> Decision:
    """申诉复查: upheld, changed (new measures) or revoked (the measures fall and enforcement stops)."""
    errors: dict[str, list[str] | str] = {}
    if outcome not in AppealOutcome.values:
        errors["outcome"] = _("Choose upheld, changed or revoked.")
    need_text(errors, reason=reason)
    if outcome == AppealOutcome.CHANGED and not measures:
        errors["measures"] = _("Give the changed measures.")
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "decide_appeal", version)
        fields = ["appeal_outcome"]
        before_measures = list(decision.measures)
        if outcome == AppealOutcome.CHANGED:
            decision.measures = check_measures(decision.subject_kind, measures or [])
            fields.append("measures")
        elif outcome == AppealOutcome.REVOKED:
            decision.measures = []
            fields += ["measures", *_end_step(decision)]
        decision.decide_appeal()
        decision.appeal_outcome = outcome
        _save(decision, fields)
        decision_chain.append(
            decision,
            kind=DecisionEventKind.DECIDE_APPEAL,
            actor=actor,
            from_state=decision.state,
            data={
                "outcome": outcome,
                "reason": reason.strip(),
                "measures_before": before_measures,
                "measures": list(decision.measures),
            },
        )
    return decision


# --- fault tolerance ----------------------------------------------------------------------------------------------


def _tolerance_outcome(
    name: str, event: str, *, decision_id: int, actor: User, version: int, reason: str, basis: str
) -> tuple[Decision, Decision | None]:
    if not (reason or "").strip():
        raise Invalid({"reason": _("Give the reason.")})
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, name, version)
        # Lock the accountability it concerns now, before the chain's lock (taken by the first append).
        related = (
            Decision.objects.select_for_update(of=("self",)).select_related("subject_unit").get(pk=decision.related_id)
            if decision.related_id
            else None
        )
        before = decision.state
        getattr(decision, name)()
        _save(decision, _end_step(decision))
        decision_chain.append(
            decision,
            kind=event,
            actor=actor,
            from_state=before,
            data={"reason": reason.strip(), "basis": (basis or "").strip()},
        )
        return decision, related


def decision_exempt(*, decision_id: int, actor: User, version: int, reason: str, basis: str = "") -> Decision:
    """免责: the fault is tolerated. An accountability it concerns that is not yet decided ends without one."""
    with transaction.atomic():
        decision, related = _tolerance_outcome(
            "exempt", DecisionEventKind.EXEMPT, decision_id=decision_id, actor=actor, version=version, reason=reason,
            basis=basis,
        )  # fmt: skip
        if related is not None and related.state in DECISION_TRANSITIONS["dismiss"].sources:
            _dismissed(related, actor, reason.strip(), fault_tolerance=decision.pk)
    return decision


def decision_mitigate(*, decision_id: int, actor: User, version: int, reason: str, basis: str = "") -> Decision:
    """从轻减轻: accountability is lighter; the accountability it concerns carries on with the finding noted."""
    decision, _related = _tolerance_outcome(
        "mitigate", DecisionEventKind.MITIGATE, decision_id=decision_id, actor=actor, version=version, reason=reason,
        basis=basis,
    )  # fmt: skip
    return decision


def decision_refuse(*, decision_id: int, actor: User, version: int, reason: str, basis: str = "") -> Decision:
    """不予容错: the accountability it concerns resumes; without one, accountability is opened about the subject."""
    with transaction.atomic():
        decision, related = _tolerance_outcome(
            "refuse", DecisionEventKind.REFUSE, decision_id=decision_id, actor=actor, version=version, reason=reason,
            basis=basis,
        )  # fmt: skip
        if related is not None:
            decision_chain.append(
                related,
                kind=DecisionEventKind.RESUMED,
                actor=actor,
                from_state=related.state,
                data={"fault_tolerance": decision.pk, "reason": reason.strip()},
            )
        else:
            opened = open_decision(
                kind=DecisionKind.ACCOUNTABILITY,
                actor=actor,
                subject_kind=decision.subject_kind,
                subject_unit=decision.subject_unit,
                subject_user=decision.subject_user,
                subject_name=decision.subject_name,
                subject_position=decision.subject_position,
                facts=decision.facts,
                rule=decision.rule,
                tickets=list(decision.tickets.all()),
                related=decision,
                event=DecisionEventKind.OPENED,
                data={"fault_tolerance_refused": decision.pk},
            )
            decision.related = opened
            decision.save(update_fields=["related"])
    return decision


def decision_follow_up(*, decision_id: int, actor: User, version: int, follow_up: str, note: str) -> Decision:
    """What followed an exemption or mitigation: 免责通报, 澄清正名, 回访教育."""
    errors: dict[str, list[str] | str] = {}
    if follow_up not in FollowUp.values:
        errors["follow_up"] = _("Choose a notice, clearing the name, or a return visit.")
    need_text(errors, note=note)
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "follow_up", version)
        decision.follow_up()
        _save(decision, [])
        decision_chain.append(
            decision,
            kind=DecisionEventKind.FOLLOW_UP,
            actor=actor,
            from_state=decision.state,
            data={"follow_up": follow_up, "note": note.strip()},
        )
    return decision


# --- correction ---------------------------------------------------------------------------------------------------


def decision_complete(*, decision_id: int, actor: User, version: int, note: str = "") -> Decision:
    """纠错完成, once the correction's rectification ticket is closed (销号)."""
    with transaction.atomic():
        decision = _lock_for(decision_id, actor, "complete", version)
        ticket = decision.correction_ticket
        if ticket is None or ticket.state != TicketState.CLOSED:
            raise Conflict(
                _("The correction's rectification ticket is not closed yet."),
                decision=decision,
            )
        before = decision.state
        decision.complete()
        _save(decision, _end_step(decision))
        decision_chain.append(
            decision,
            kind=DecisionEventKind.COMPLETE,
            actor=actor,
            from_state=before,
            data={"ticket": ticket.pk, "closed_on": str(ticket.closed_on), "note": note.strip()},
        )
    return decision


# --- correcting the record ----------------------------------------------------------------------------------------


def decision_amend(
    *, decision_id: int, actor: User, version: int, event_id: int, reason: str, changes: dict[str, str]
) -> DecisionEvent:
    """更正: a recorded event is never changed; a new event supersedes it, saying what is corrected and why."""
    errors: dict[str, list[str] | str] = {}
    need_text(errors, reason=reason)
    unknown = set(changes) - set(TEXT_FIELDS_AMENDABLE)
    if unknown or not changes:
        errors["changes"] = _("Correct one or more of: facts, rule cited, deciding body, document number.")
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        decision = decision_get(actor, decision_id, lock=True)
        if not roles_on_decision(actor, decision) & set(BODIES):
            raise Forbidden(_("Only a discipline or organisation body over the unit may correct the record."))
        if version != decision.version:
            raise StaleVersion(
                _("The decision has changed since you read it (your version %(yours)s, current %(current)s).")
                % {"yours": version, "current": decision.version},
                decision=decision,
            )
        superseded = DecisionEvent.objects.filter(pk=event_id, decision=decision).first()
        if superseded is None:
            raise NotFound(_("No such event of this decision."))
        before = {name: getattr(decision, name) for name in changes}
        for name, value in changes.items():
            setattr(decision, name, (value or "").strip())
        _save(decision, list(changes))
        return decision_chain.append(
            decision,
            kind=DecisionEventKind.AMEND,
            actor=actor,
            from_state=decision.state,
            supersedes=superseded,
            data={"reason": reason.strip(), "before": before, "after": {n: getattr(decision, n) for n in changes}},
        )


DECISION_SERVICES: dict[str, Callable[..., Decision]] = {
    "investigate": decision_investigate,
    "request_statement": decision_request_statement,
    "file_statement": decision_file_statement,
    "waive_statement": decision_waive_statement,
    "decide": decision_decide,
    "dismiss": decision_dismiss,
    "record_enforcement": decision_record_enforcement,
    "publish": decision_publish,
    "appeal": decision_appeal,
    "decide_appeal": decision_decide_appeal,
    "exempt": decision_exempt,
    "mitigate": decision_mitigate,
    "refuse": decision_refuse,
    "follow_up": decision_follow_up,
    "complete": decision_complete,
}
assert set(DECISION_SERVICES) == set(DECISION_TRANSITIONS), "every decision transition needs its service"
