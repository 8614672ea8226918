"""Every write in the domain goes through one of these functions (see ../STYLE.md, "writes")."""

from tracker.services.activity import (
    check_evidence_file,
    clock_resume,
    evidence_add,
    extension_decide,
    extension_request,
    feedback_give,
    pause_decide,
    pause_request,
    progress_report,
)
from tracker.services.decision_opening import accountability_open, correction_issue, fault_tolerance_apply
from tracker.services.decisions import DECISION_SERVICES, decision_amend
from tracker.services.escalation import tickets_mark_listed
from tracker.services.setup import finding_create, membership_add, unit_create
from tracker.services.supervision import ticket_list, ticket_review_decide, unit_chase
from tracker.services.tickets import (
    TRANSITION_SERVICES,
    notice_ends_on,
    satisfaction_of,
    ticket_accept,
    ticket_close,
    ticket_explain,
    ticket_reassign,
    ticket_reject,
    ticket_reopen,
    ticket_verify,
    ticket_withdraw,
)

__all__ = [
    "DECISION_SERVICES",
    "accountability_open",
    "correction_issue",
    "decision_amend",
    "fault_tolerance_apply",
    "TRANSITION_SERVICES",
    "check_evidence_file",
    "clock_resume",
    "evidence_add",
    "extension_decide",
    "extension_request",
    "feedback_give",
    "finding_create",
    "membership_add",
    "notice_ends_on",
    "pause_decide",
    "pause_request",
    "progress_report",
    "satisfaction_of",
    "ticket_accept",
    "ticket_close",
    "ticket_explain",
    "ticket_reassign",
    "ticket_reject",
    "ticket_list",
    "ticket_reopen",
    "ticket_review_decide",
    "ticket_verify",
    "ticket_withdraw",
    "tickets_mark_listed",
    "unit_chase",
    "unit_create",
]
