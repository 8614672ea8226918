"""The decision record: accountability (问责), fault tolerance (容错免责) and correction (纠错) decisions.

A Decision row holds where a procedure stands now; every step is a DecisionEvent, append-only (PostgreSQL triggers)
and hash-chained in one total order over all decisions (tracker.decision_chain), so a verifier can name the first
event that was tampered with. A recorded event is never corrected in place: a new event supersedes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.triggers import RECORD
from workflows.decisions import AppealOutcome, DecisionKind, DecisionMachine


class SubjectKind(models.TextChoices):
    UNIT = "unit", _("Organisation (单位)")
    PERSON = "person", _("Person (个人)")


class Measure(models.TextChoices):
    """问责条例 art. 8: measures against an organisation, and against a person; they combine."""

    UNIT_INSPECTION = "unit_inspection", _("Written self-criticism (检查)")
    UNIT_NOTICE = "unit_notice", _("Circulated notice (通报)")
    UNIT_REORGANISATION = "unit_reorganisation", _("Reorganisation (改组)")
    PERSON_NOTICE = "person_notice", _("Circulated notice (通报)")
    PERSON_ADMONITION = "person_admonition", _("Admonition (诫勉)")
    SUSPENSION = "suspension", _("Organisational adjustment: suspended for examination (停职检查)")
    TRANSFER = "transfer", _("Organisational adjustment: post changed (调整职务)")
    ORDERED_RESIGNATION = "ordered_resignation", _("Organisational adjustment: ordered to resign (责令辞职)")
    REMOVAL = "removal", _("Organisational adjustment: removed from post (免职)")
    DEMOTION = "demotion", _("Organisational adjustment: demoted (降职)")
    DISCIPLINE = "discipline", _("Disciplinary sanction (纪律处分)")


UNIT_MEASURES = (Measure.UNIT_INSPECTION, Measure.UNIT_NOTICE, Measure.UNIT_REORGANISATION)
ADJUSTMENTS = (Measure.SUSPENSION, Measure.TRANSFER, Measure.ORDERED_RESIGNATION, Measure.REMOVAL, Measure.DEMOTION)
PERSON_MEASURES = (Measure.PERSON_NOTICE, Measure.PERSON_ADMONITION, *ADJUSTMENTS, Measure.DISCIPLINE)
PUBLIC_MEASURES = (Measure.UNIT_NOTICE, Measure.PERSON_NOTICE)  # a circulated notice is meant to be read


class FollowUp(models.TextChoices):
    NOTICE = "notice", _("Exemption notice (免责通报)")
    CLEARING = "clearing", _("Name cleared (澄清正名)")
    VISIT = "visit", _("Return visit (回访教育)")


class Decision(DecisionMachine):
    """One accountability, fault-tolerance or correction procedure about a unit or a person."""

    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind)
    # The subject: a unit, or a person with their position in a unit. Who may see the decision follows the unit.
    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind)
    subject_unit = models.ForeignKey(
        "tracker.Unit", verbose_name=_("unit concerned"), on_delete=models.PROTECT, related_name="decisions"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned (account)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions_about",
    )
    subject_name = models.CharField(_("person concerned"), max_length=50, blank=True)
    subject_position = models.CharField(_("position"), max_length=100, blank=True)
    # The grounds.
    facts = models.TextField(_("facts found"))
    rule = models.CharField(_("rule cited"), max_length=300, blank=True)
    tickets = models.ManyToManyField(
        "tracker.Ticket", verbose_name=_("tickets concerned"), blank=True, related_name="decisions"
    )
    related = models.ForeignKey(
        "self",
        verbose_name=_("related decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followers",
        help_text=_("The accountability a fault-tolerance application concerns, or the one a refusal opened."),
    )
    correction_ticket = models.OneToOneField(
        "tracker.Ticket",
        verbose_name=_("rectification ticket of the correction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    # The decision itself.
    measures = models.JSONField(_("measures"), default=list, blank=True)
    effect_until = models.DateField(_("period of effect until (影响期)"), null=True, blank=True)
    deciding_body = models.CharField(_("deciding body"), max_length=100, blank=True)
    document_number = models.CharField(_("document number (文号)"), max_length=100, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    appeal_until = models.DateField(_("appeal window ends"), null=True, blank=True)
    appeal_outcome = models.CharField(_("appeal outcome"), max_length=10, choices=AppealOutcome, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # The clock of the current step.
    step_started_on = models.DateField(_("step started on"))
    due_on = models.DateField(_("step deadline"), null=True, blank=True)
    # Used by the notification sweep: when this decision's step next calls for a reminder or chase.
    next_action_at = models.DateTimeField(_("next action at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["subject_unit", "kind", "state"], name="decision_unit_kind_state"),
            # notifications sweep: claims decisions whose next_action_at has come.
            models.Index(
                fields=["next_action_at"], name="decision_next_action", condition=Q(next_action_at__isnull=False)
            ),
            # The public register of published decisions.
            models.Index(fields=["published_on"], name="decision_published", condition=Q(published_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def subject_label(self) -> str:
        if self.subject_kind == SubjectKind.PERSON:
            return f"{self.subject_name}（{self.subject_position}）" if self.subject_position else self.subject_name
        return str(self.subject_unit)


class DecisionEventKind(models.TextChoices):
    OPENED = "opened", _("Accountability opened (启动问责)")
    APPLIED = "applied", _("Fault tolerance applied for (容错申请)")
    ISSUED = "issued", _("Correction opinion issued (纠错意见)")
    INVESTIGATE = "investigate", _("Investigation started (调查核实)")
    REQUEST_STATEMENT = "request_statement", _("Subject told and heard (告知陈述申辩)")
    FILE_STATEMENT = "file_statement", _("Statement and defence filed (陈述申辩)")
    WAIVE_STATEMENT = "waive_statement", _("No statement within the time limit")
    DECIDE = "decide", _("Decided (集体决定)")
    DISMISS = "dismiss", _("No accountability (不予问责)")
    RECORD_ENFORCEMENT = "record_enforcement", _("Enforced (执行到位)")
    PUBLISH = "publish", _("Published (公开通报)")
    APPEAL = "appeal", _("Appeal filed (申诉)")
    DECIDE_APPEAL = "decide_appeal", _("Appeal decided (申诉复查)")
    EXEMPT = "exempt", _("Exempted (免责)")
    MITIGATE = "mitigate", _("Mitigated (从轻减轻)")
    REFUSE = "refuse", _("Fault tolerance refused (不予容错)")
    FOLLOW_UP = "follow_up", _("Follow-up (免责通报 / 澄清正名 / 回访)")
    COMPLETE = "complete", _("Correction completed (纠错完成)")
    RESUMED = "resumed", _("Resumed after fault tolerance was refused")
    AMEND = "amend", _("Record corrected (更正)")


class DecisionEvent(models.Model):
    """One step of a decision's procedure. Never updated or deleted; `seq` and `hash` chain every event of every
    decision in one total order (tracker.decision_chain)."""

    seq = models.BigIntegerField(_("sequence number"), unique=True)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=DecisionEventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("decision event")
        verbose_name_plural = _("decision events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["decision", "seq"], name="decisionevent_decision_seq")]
        triggers = RECORD

    def __str__(self) -> str:
        return f"#{self.seq} {self.decision_id} {self.kind}"
