"""The domain: units, appraisals, findings, tickets and everything that happens to a ticket.

No business logic lives here: writes go through tracker.services, reads through tracker.selectors.
"""

from __future__ import annotations

import datetime as dt
import os
import re

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.models.triggers import RECORD
from workflows.machine import OPEN_STATES, PUBLISHED_STATES, RectificationMachine, Role
from workflows.models import Policy, RectificationClass, Severity


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province (省)")
    CITY = "city", _("City (市)")
    COUNTY = "county", _("County (县区)")
    DEPARTMENT = "department", _("Department (部门)")


class Unit(models.Model):
    """An organisation in the tree province → city → county → department.

    `path` is the materialised chain of ancestor ids ("/1/4/9/"), so a subtree is one indexed prefix query.
    """

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    short_names = models.CharField(
        _("short names (简称)"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("Other names the unit goes by in practice, e.g. 县环保局; separate several with commas or 、."),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def short_name_list(self) -> list[str]:
        return [name.strip() for name in re.split(r"[,，、;；]", self.short_names) if name.strip()]

    def ancestor_ids(self) -> list[int]:
        """This unit and its ancestors, nearest first."""
        return [int(part) for part in reversed(self.path.strip("/").split("/"))]


class Membership(models.Model):
    """A user's role in a unit. Assessors and supervisors act over the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class Dimension(models.TextChoices):
    INNOVATION = "innovation", _("Innovation (创新)")
    COORDINATION = "coordination", _("Coordination (协调)")
    GREEN = "green", _("Green (绿色)")
    OPENNESS = "openness", _("Openness (开放)")
    SHARING = "sharing", _("Sharing (共享)")
    LIVELIHOOD = "livelihood", _("Livelihood (民生)")
    PARTY_BUILDING = "party_building", _("Party building (党建)")
    OTHER = "other", _("Other (其他)")


class Appraisal(models.Model):
    """A campaign that uncovers problems: 年度综合考核, 专项督查 …"""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=50)
    level = models.CharField(_("level"), max_length=50)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    dimension = models.CharField(_("development dimension"), max_length=20, choices=Dimension)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=0)
    is_key = models.BooleanField(_("key / leading (关键性、引领性)"), default=False)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["appraisal", "code"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "code"], name="indicator_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Finding(models.Model):
    """A problem the appraisal uncovered (问题)."""

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="findings"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="findings"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="findings"
    )
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=20, choices=Severity, default=Severity.GENERAL)
    source = models.CharField(_("source (问题来源)"), max_length=100)
    document_number = models.CharField(_("document number (文号)"), max_length=100, blank=True)
    item_number = models.CharField(
        _("item number (序号)"),
        max_length=32,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "The finding's number within its document; with the appraisal and document number it names the "
            "finding, so importing the same spreadsheet twice creates nothing new."
        ),
    )
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("found by"), on_delete=models.PROTECT, related_name="+"
    )
    found_on = models.DateField(_("found on"))
    recurring = models.BooleanField(_("recurring (反复出现)"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-id"]
        indexes = [models.Index(fields=["unit", "indicator"], name="finding_unit_indicator")]
        constraints = [
            # The identity of an imported finding (tracker.services.imports): one per appraisal, document and item.
            models.UniqueConstraint(
                fields=["appraisal", "document_number", "item_number"],
                condition=~Q(item_number=""),
                name="finding_unique_item",
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]


class PlanState(models.TextChoices):
    """Where the unit's rectification plan (整改方案) stands while the ticket waits to be signed for."""

    NONE = "", _("No plan yet")
    SUBMITTED = "submitted", _("Submitted, awaiting the head's signature (待签批)")
    AWAITING_REVIEW = "awaiting_review", _("Signed, awaiting the assessor's review (待审核)")
    RETURNED = "returned", _("Returned for revision (退回修改)")
    ADOPTED = "adopted", _("Adopted (已实施)")


class Ticket(RectificationMachine):
    """One rectification of one finding by one lead unit (一事一单)."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="tickets")
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit (牵头单位)"), on_delete=models.PROTECT, related_name="tickets"
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name=_("co-units (协办单位)"), blank=True, related_name="co_tickets"
    )
    rectification_class = models.CharField(_("rectification class"), max_length=20, choices=RectificationClass)
    lead_official = models.CharField(_("lead official (牵头领导)"), max_length=50, blank=True)
    responsible_person = models.CharField(_("responsible person (责任人)"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    handler = models.CharField(_("handler (经办人)"), max_length=50, blank=True, default="", db_default="")
    remarks = models.TextField(_("remarks (备注)"), blank=True, default="", db_default="")
    # The plan (整改方案), given when the unit accepts.
    measures = models.TextField(_("measures (整改措施)"), blank=True)
    goal = models.TextField(_("goal (整改目标)"), blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # How many milestones the plan has: where it has any, they set the scheduled progress (序时进度) the warning
    # colour compares progress with (workflows.clocks.milestone_progress).
    milestones_total = models.PositiveSmallIntegerField(_("milestones"), default=0, db_default=0)
    plan_state = models.CharField(
        _("plan (方案)"), max_length=20, choices=PlanState, blank=True, default="", db_default=""
    )
    plan_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("plan signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan_signed_on = models.DateField(_("plan signed on"), null=True, blank=True)
    # The public explanation (公示说明).
    explanation = models.TextField(_("public explanation"), blank=True)
    closure_plan = models.TextField(_("dated plan for what cannot be solved yet (销号计划)"), blank=True)
    closure_plan_date = models.DateField(_("plan date"), null=True, blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # Clocks. due_on is the rectification deadline (整改时限); stage_deadline the current stage's.
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("rectification deadline"))
    # The deadline the ticket was assigned with, before any extension, rejection or reopening moved due_on: the
    # scorecards judge timeliness against both (tracker.scorecards). Empty on tickets from before it was kept.
    original_due_on = models.DateField(_("original deadline"), null=True, blank=True)
    stage_started_on = models.DateField(_("stage started on"))
    stage_deadline = models.DateField(_("stage deadline"), null=True, blank=True)
    paused_workdays_left = models.PositiveSmallIntegerField(
        _("working days left when paused"),
        null=True,
        blank=True,
        help_text=_("Set while the clock is paused."),
    )
    # Used by the notification sweep: when this ticket's clock next calls for a message (partial index below).
    next_action_at = models.DateTimeField(_("next action at"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    listed = models.BooleanField(_("listed supervision (挂牌督办)"), default=False)
    # Set when public dissatisfaction passes the policy's threshold; cleared when the assessor decides (复核).
    review_pending = models.BooleanField(_("public review pending (复核)"), default=False, db_default=False)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopens"), default=0)
    # A unit that believes the ticket is not its own returns it (退回) while signing; the assessor or supervisor then
    # reassigns it or insists. Counted for the scorecards.
    return_pending = models.BooleanField(_("returned by the unit (退回待定)"), default=False, db_default=False)
    return_count = models.PositiveSmallIntegerField(_("returns by units"), default=0, db_default=0)
    pause_count = models.PositiveSmallIntegerField(_("pauses"), default=0, db_default=0)
    paused_workdays = models.PositiveIntegerField(_("working days paused"), default=0, db_default=0)
    # A long-term ticket kept open with the verdict 持续整改: when its assessor looks at it next.
    next_review_on = models.DateField(_("next review (下次复核)"), null=True, blank=True)
    missed_reports = models.PositiveSmallIntegerField(_("progress reports missed (催报)"), default=0, db_default=0)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["lead_unit", "state"], name="ticket_unit_state"),
            # The ledger by state, newest first: PostgreSQL walks one state's keys backward and checks the scope's
            # lead unit in the index itself, never visiting the rows of the tickets it passes over.
            models.Index(fields=["state", "id"], include=["lead_unit"], name="ticket_state_id"),
            # The tickets a unit received in a month or quarter (tracker.scorecards).
            models.Index(fields=["assigned_on"], name="ticket_assigned_on"),
            # The open-ticket deadline scan (overdue lists, stats).
            models.Index(fields=["stage_deadline"], name="ticket_open_deadline", condition=Q(state__in=OPEN_STATES)),
            # The cockpit's and the public register's listed tickets, and the cockpit's tickets awaiting review.
            models.Index(fields=["lead_unit"], name="ticket_listed", condition=Q(listed=True)),
            models.Index(fields=["lead_unit"], name="ticket_review_pending", condition=Q(review_pending=True)),
            # notifications sweep: claims tickets whose next_action_at has come.
            models.Index(
                fields=["next_action_at"],
                name="ticket_next_action",
                condition=Q(next_action_at__isnull=False),
            ),
            # The public register's pages: the published tickets, newest first, with the unit the filter names.
            models.Index(
                fields=["id"], include=["lead_unit"], name="ticket_published", condition=Q(state__in=PUBLISHED_STATES)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paused(self) -> bool:
        return self.paused_workdays_left is not None

    # What the machine's guards ask of a ticket (workflows.machine.Guard).

    def plan_needs_review(self) -> bool:
        """Whether the plan waits for the assessor's review after the head signs it (方案审核): always for a severe
        finding, and wherever the governing policy says so."""
        if self.finding.severity == Severity.SEVERE:
            return True
        return Policy.for_ticket(self.rectification_class, self.finding.severity).plan_review

    def plan_awaiting_review(self) -> bool:
        return self.plan_state == PlanState.AWAITING_REVIEW

    def has_return_pending(self) -> bool:
        return self.return_pending

    def is_long_term(self) -> bool:
        return self.rectification_class == RectificationClass.LONG_TERM


class Milestone(models.Model):
    """A stage node (阶段节点) of the plan."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class TicketStage(models.Model):
    """One stage a ticket went through (签收, 整改, 验收, 销号): its deadline as it finally stood and when it ended, so
    that a late signature or a late verification is recorded, not only a late rectification. Written by the services
    whenever a stage starts or ends or its deadline moves; the open stage has no end yet."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="stages")
    state = models.CharField(_("stage"), max_length=20)
    unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+", help_text=_("At the time.")
    )
    started_on = models.DateField(_("started on"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["ticket"], name="stage_open", condition=Q(ended_on__isnull=True)),
            models.Index(fields=["unit", "state"], name="stage_unit_state"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.state} {self.started_on}–{self.ended_on or ''}"

    @property
    def late(self) -> bool:
        """Whether the stage ended after its deadline (an open stage: whether its deadline has passed)."""
        from workflows import clocks

        if self.deadline is None:
            return False
        return (self.ended_on or clocks.today()) > self.deadline


class ProgressReport(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("for the part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The co-unit (协办单位) whose part this reports on; empty for the lead unit's own report."),
    )
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(
        _("percent done"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    difficulties = models.TextField(_("difficulties / coordination needed"), blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-created_at"]
        triggers = RECORD

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.percent}%"


def _evidence_path(instance: Evidence, filename: str) -> str:
    today = dt.date.today()
    return f"evidence/{today:%Y/%m}/{instance.ticket_id}/{os.path.basename(filename)}"


class Evidence(models.Model):
    """A supporting file (佐证材料). Size and type are checked by the service that stores it."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="evidence")
    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("progress report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=255)
    name = models.CharField(_("original name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    public = models.BooleanField(
        _("publish on the public register"),
        default=False,
        db_default=False,
        help_text=_("The unit chose to show this file with its public explanation."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]
        triggers = RECORD

    def __str__(self) -> str:
        return self.name


class Verdict(models.TextChoices):
    PASSED = "passed", _("Rectified (已整改)")
    CONTINUING = "continuing", _("Rectification continues (持续整改)")
    FAILED = "failed", _("Not rectified (未整改)")


class Verification(models.Model):
    """An assessor's verdict on an explained ticket; a failed one goes with a rejection."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="verifications")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessor"), on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict)
    comment = models.TextField(_("opinion (验收意见)"), blank=True)
    satisfaction = models.DecimalField(
        _("satisfaction at verification"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    satisfaction_override = models.TextField(_("why verified below the satisfaction bar"), blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    created_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["-created_at"]
        triggers = RECORD

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_verdict_display()}"


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ENDED = "ended", _("Ended")


class ClockRequest(models.Model):
    """What an extension and a pause request share: the unit asks, a supervisor decides."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=20, choices=RequestState, default=RequestState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ExtensionRequest(ClockRequest):
    """A request to move the rectification deadline (延期), filed before that deadline."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="extension_requests"
    )
    current_deadline = models.DateField(_("current deadline"))
    requested_deadline = models.DateField(_("requested deadline"))

    class Meta(ClockRequest.Meta):
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(state="pending"), name="extension_one_pending_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.requested_deadline} ({self.get_state_display()})"


class PauseRequest(ClockRequest):
    """A request to stop the clock (时限中止), e.g. while waiting for an expert review."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="pause_requests"
    )
    paused_on = models.DateField(_("paused on"), null=True, blank=True)
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    workdays_left = models.PositiveSmallIntegerField(_("working days left"), null=True, blank=True)

    class Meta(ClockRequest.Meta):
        verbose_name = _("pause request")
        verbose_name_plural = _("pause requests")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(state__in=["pending", "approved"]),
                name="pause_one_open_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} pause ({self.get_state_display()})"


class EventKind(models.TextChoices):
    CREATED = "created", _("Assigned (交办)")
    ACCEPT = "accept", _("Accepted (签收)")
    REASSIGN = "reassign", _("Reassigned (改派)")
    EXPLAIN = "explain", _("Explained (公示说明)")
    VERIFY = "verify", _("Verified (验收)")
    REJECT = "reject", _("Rejected (退回重改)")
    CLOSE = "close", _("Closed (销号)")
    REOPEN = "reopen", _("Reopened (复号)")
    WITHDRAW = "withdraw", _("Withdrawn (撤销)")
    PROGRESS = "progress", _("Progress reported")
    EVIDENCE = "evidence", _("Evidence added")
    COMMENT = "comment", _("Comment")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    PAUSE_REQUESTED = "pause_requested", _("Pause requested")
    PAUSE_DECIDED = "pause_decided", _("Pause decided")
    RESUMED = "resumed", _("Clock resumed")
    FEEDBACK = "feedback", _("Public feedback")
    LISTED = "listed", _("Listed supervision (挂牌督办)")
    CHASED = "chased", _("Chased by a supervisor (催办)")
    REVIEW_REQUESTED = "review_requested", _("Public dissatisfaction: review requested (复核)")
    REVIEW_KEPT = "review_kept", _("Review: verdict kept")
    SUBMIT_PLAN = "submit_plan", _("Plan submitted (报送方案)")
    SIGN_PLAN = "sign_plan", _("Plan signed for review (签批方案)")
    APPROVE_PLAN = "approve_plan", _("Plan approved (方案审核通过)")
    RETURN_PLAN = "return_plan", _("Plan returned (方案退回)")
    RETURN_TICKET = "return_ticket", _("Returned as not the unit's (退回)")
    INSIST = "insist", _("Assignment upheld (坚持交办)")
    CONTINUE_RECTIFYING = "continue_rectifying", _("Rectification continues (持续整改)")
    REPORT_MISSED = "report_missed", _("Progress report missed (催报)")
    SUMMONED = "summoned", _("Summons talk (约谈)")
    CIRCULATED = "circulated", _("Circulated notice (通报)")


class TicketEvent(models.Model):
    """One change to a ticket, written in the transaction that made it. Never updated or deleted."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    version = models.PositiveIntegerField(_("ticket version after the change"))
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["id"]
        triggers = RECORD

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} v{self.version}"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied (基本满意)")
    DISSATISFIED = "dissatisfied", _("Dissatisfied (不满意)")


class Feedback(models.Model):
    """A member of the public's rating of a published explanation (群众评价). No account needed."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="feedback")
    rating = models.CharField(_("rating"), max_length=30, choices=Rating)
    comment = models.TextField(_("comment"), blank=True)
    client = models.CharField(_("client fingerprint"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        verbose_name = _("public feedback")
        verbose_name_plural = _("public feedback")
        ordering = ["-created_at"]
        triggers = RECORD

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.rating}"


class ExportState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def _export_path(instance: Export, filename: str) -> str:
    return f"exports/{dt.date.today():%Y/%m}/{instance.pk}-{os.path.basename(filename)}"


class Export(models.Model):
    """A spreadsheet too large to write within a request, written by a worker (tracker.tasks.export_write) and
    downloaded by the user who asked for it, and nobody else."""

    class Kind(models.TextChoices):
        LEDGER = "ledger", _("Rectification ledger (整改台账)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.LEDGER)
    params = models.JSONField(_("filter"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    state = models.CharField(_("state"), max_length=20, choices=ExportState, default=ExportState.PENDING)
    file = models.FileField(_("file"), upload_to=_export_path, max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.state})"


# The decision record (问责, 容错免责, 纠错) lives in a module of its own; imported here so Django finds its models.
from tracker.models.decisions import Decision as Decision  # noqa: E402
from tracker.models.decisions import DecisionEvent as DecisionEvent  # noqa: E402
from tracker.models.decisions import DecisionEventKind as DecisionEventKind  # noqa: E402
from tracker.models.decisions import Measure as Measure  # noqa: E402
from tracker.models.decisions import SubjectKind as SubjectKind  # noqa: E402

# The cockpit's precomputed figures (tracker.dashboard), in a module of their own.
from tracker.models.figures import FiguresRun as FiguresRun  # noqa: E402
from tracker.models.figures import UnitDay as UnitDay  # noqa: E402
from tracker.models.figures import UnitMonth as UnitMonth  # noqa: E402
