"""Messages as rows: one per recipient and channel, with its delivery state (DESIGN.md, "Architecture").

A message's identity — who (a user or a unit's webhook), which channel, which ticket, what kind, which stage and
deadline, which ladder step — is a unique key, so no sweep, retried task or second sweeper can make it twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook / group robot")


class Kind(models.TextChoices):
    # The stage clock's ladder (workflows.clocks.LadderStep).
    REMIND = "remind", _("Reminder (提醒)")
    CHASE = "chase", _("Chase (催办)")
    SUPERVISE = "supervise", _("Supervision slip (督办)")
    LIST = "list", _("Listed supervision (挂牌督办)")
    # The reporting cycle of long-term tickets.
    REPORT_REMIND = "report_remind", _("Progress report due")
    REPORT_CHASE = "report_chase", _("Progress report overdue (催报)")
    REPORT_SUPERVISE = "report_supervise", _("Progress report supervision slip")
    # Whoever must act next after a change.
    ASSIGNED = "assigned", _("Ticket assigned to your unit")
    AWAITING_VERIFICATION = "awaiting_verification", _("Explanation awaiting verification")
    AWAITING_CLOSE = "awaiting_close", _("Verified ticket awaiting close-out")
    REJECTED = "rejected", _("Sent back for rework (退回重改)")
    REOPENED = "reopened", _("Reopened (复号)")
    EXTENSION_REQUESTED = "extension_requested", _("Extension awaiting decision")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    PAUSE_REQUESTED = "pause_requested", _("Pause awaiting decision")
    PAUSE_DECIDED = "pause_decided", _("Pause decided")
    # A supervisor's own actions from the cockpit, and the public's dissatisfaction.
    LISTED_BY_SUPERVISOR = "listed_by_supervisor", _("Listed for supervision by a supervisor (挂牌督办)")
    CHASED = "chased", _("Chase from a supervisor (催办)")
    REVIEW_REQUESTED = "review_requested", _("Public dissatisfaction: review (复核)")
    # The signing stage: the plan on its way to the head and the assessor, and a ticket a unit says is not its own.
    PLAN_SUBMITTED = "plan_submitted", _("Plan awaiting the head's signature (待签批)")
    PLAN_TO_REVIEW = "plan_to_review", _("Plan awaiting review (方案审核)")
    PLAN_RETURNED = "plan_returned", _("Plan returned for revision (方案退回)")
    TICKET_RETURNED = "ticket_returned", _("Ticket returned by a unit (退回)")
    RETURN_UPHELD = "return_upheld", _("Assignment upheld (坚持交办)")
    CONTINUED = "continued", _("Rectification continues (持续整改)")
    # What follows listed supervision, told to the unit head.
    SUMMONED = "summoned", _("Summons talk (约谈)")
    CIRCULATED = "circulated", _("Circulated notice (通报)")
    # Supervisors' daily summary.
    DIGEST = "digest", _("Daily digest")
    # The clock of a decision's step (statement, investigation, deliberation, enforcement).
    DECISION_STEP = "decision_step", _("Decision step to take (待办)")
    DECISION_REMIND = "decision_remind", _("Decision step due (提醒)")
    DECISION_CHASE = "decision_chase", _("Decision step overdue (催办)")


class State(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookFlavour(models.TextChoices):
    GENERIC = "generic", _("Generic JSON, signed with HMAC-SHA256")
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")
    FEISHU = "feishu", _("Feishu group robot (飞书)")


class UnitWebhook(models.Model):
    """Where a unit wants its messages posted besides its people's own channels: a group robot or a system."""

    unit = models.ForeignKey("tracker.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(_("name"), max_length=100)
    flavour = models.CharField(_("format"), max_length=20, choices=WebhookFlavour, default=WebhookFlavour.GENERIC)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Generic: the HMAC key. DingTalk and Feishu: the robot's signing secret (加签). WeCom: unused."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the messages posted here."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit webhook")
        verbose_name_plural = _("unit webhooks")
        ordering = ["unit", "name"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name}"


class NotificationPreference(models.Model):
    """Which channels a user wants besides the in-app inbox, which always receives everything, and the language
    every message to them is written in. A user without a row gets the defaults (notifications.selectors)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    phone = models.CharField(_("mobile number for SMS"), max_length=30, blank=True)
    language = models.CharField(
        _("language of messages"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class Notification(models.Model):
    """One message to one recipient on one channel."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    webhook = models.ForeignKey(
        UnitWebhook,
        verbose_name=_("webhook"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    ticket = models.ForeignKey(
        "tracker.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    decision = models.ForeignKey(
        "tracker.Decision",
        verbose_name=_("decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    deadline = models.DateField(_("deadline"))
    step = models.BigIntegerField(
        _("step"),
        default=0,
        help_text=_("Working days before or after the deadline for a clock message; the event number otherwise."),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Used by the notification sweep: a pending delivery is (re)claimed once this moment has come. It carries the
    # quiet-time deferral, the retry backoff and the lease of a delivery in flight (partial index below).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Bumped by every claim: a delivery task holds the claim it was enqueued with, so a stale or duplicated task
    # finds it gone and does nothing.
    claim = models.PositiveIntegerField(_("claim"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, webhook__isnull=True)
                | Q(recipient__isnull=True, webhook__isnull=False, channel=Channel.WEBHOOK),
                name="notification_one_addressee",
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(recipient__isnull=False), name="notification_digest_to_user"
            ),
            models.UniqueConstraint(
                fields=["recipient", "channel", "ticket", "kind", "stage", "deadline", "step"],
                condition=Q(recipient__isnull=False, ticket__isnull=False),
                name="notification_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["webhook", "ticket", "kind", "stage", "deadline", "step"],
                condition=Q(webhook__isnull=False, ticket__isnull=False),
                name="notification_once_per_webhook",
            ),
            models.UniqueConstraint(
                fields=["recipient", "channel", "kind", "deadline"],
                condition=Q(ticket__isnull=True, decision__isnull=True),
                name="notification_digest_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["recipient", "channel", "decision", "kind", "stage", "deadline", "step"],
                condition=Q(recipient__isnull=False, decision__isnull=False),
                name="notification_decision_once_per_user",
            ),
        ]
        indexes = [
            # notifications sweep: claims pending deliveries whose next attempt has come.
            models.Index(fields=["next_attempt_at"], name="notification_due", condition=Q(state=State.PENDING)),
            # The inbox and its unread count.
            models.Index(fields=["recipient", "-id"], name="notification_inbox", condition=Q(channel=Channel.INAPP)),
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=Q(channel=Channel.INAPP, read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient or self.webhook} ({self.channel}, {self.state})"


class Cursor(models.Model):
    """How far a sweep job has got: the last ticket event turned into messages, the last day digested."""

    name = models.CharField(_("name"), max_length=30, primary_key=True)
    position = models.BigIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sweep cursor")
        verbose_name_plural = _("sweep cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
