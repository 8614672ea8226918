"""What the API accepts. These check shape only — types, lengths, known names, and the bounds of tracker.bounds
(whole numbers in their column's range, keys that are whole numbers, dates a person may enter) — and hand typed values
to the tracker services, which own every rule (who may, in which state, which dates are acceptable)."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.exceptions import PayloadTooLarge
from tracker import bounds
from tracker.models import Indicator, ProgressReport, Rating, Ticket, Unit
from workflows.machine import TRANSITIONS
from workflows.models import RectificationClass, Severity

TEXT = 10_000  # longest free text accepted in one field
MAX_VERSION = bounds.column_range(Ticket, "version")[1]
REASON = 2_000


def _label(field: str) -> Any:
    return Ticket._meta.get_field(field).verbose_name


class KeyField(serializers.PrimaryKeyRelatedField):
    """The id of a row: a whole number in the key's range (or its digits in a form), never 8.7 read as 8."""

    default_error_messages = {"incorrect_type": _("Send the id as a whole number, not %(data_type)s.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.queryset is not None:
            self.key_range = bounds.key_range(self.queryset.model)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if not bounds.is_whole_number(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        low, high = self.key_range
        if not low <= data <= high:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class EnteredDateField(serializers.DateField):
    """A date a person enters: ISO 8601, within the window of tracker.bounds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["validators"] = [*kwargs.get("validators", ()), bounds.validate_entered_date]
        super().__init__(**kwargs)


class VersionMixin(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_VERSION,
        required=False,
        help_text=_("The ticket version you read; the request is refused (409 stale_version) if it has changed."),
    )


# --- transitions -----------------------------------------------------------------------------------------------


class TransitionInput(serializers.Serializer):
    """Every transition request names the transition and the ticket version the caller acted on."""

    name = ""
    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION, help_text=_("The ticket version you read."))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The discriminator: each subclass accepts its own name only.
        cls._declared_fields["transition"] = serializers.ChoiceField(choices=[cls.name])


class MilestoneInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = EnteredDateField()


class PlanInput(TransitionInput):
    """The plan (整改方案). A part left out keeps what the submitted plan says; the plan as a whole must be complete."""

    measures = serializers.CharField(max_length=TEXT, required=False, label=_label("measures"))
    goal = serializers.CharField(max_length=TEXT, required=False, label=_label("goal"))
    responsible_person = serializers.CharField(max_length=50, required=False, label=_label("responsible_person"))
    target_date = EnteredDateField(required=False, label=_label("target_date"))
    milestones = serializers.ListField(
        child=MilestoneInput(), required=False, max_length=100, label=_("milestones (阶段节点)")
    )
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, label=_label("contact_phone")
    )

    def validate_milestones(self, value: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        return [(m["title"], m["due_on"]) for m in value]


class SubmitPlanInput(PlanInput):
    """报送方案: an officer submits the plan for the unit head's signature."""

    name = "submit_plan"


class AcceptInput(PlanInput):
    """签收: the unit head signs the plan (the submitted one, or as given) and rectifying starts."""

    name = "accept"


class SignPlanInput(PlanInput):
    """签批方案: the head signs a plan that the assessor reviews before rectifying starts."""

    name = "sign_plan"


class ApprovePlanInput(TransitionInput):
    """方案审核通过: the assessor approves the signed plan; rectifying starts."""

    name = "approve_plan"
    comment = serializers.CharField(max_length=TEXT, required=False, allow_blank=True, label=_("opinion"))


class ReturnPlanInput(TransitionInput):
    """方案退回: the assessor sends the plan back, saying what must change."""

    name = "return_plan"
    reason = serializers.CharField(max_length=REASON, label=_("reason"))


class ReturnTicketInput(TransitionInput):
    """退回: the unit returns a ticket that is not its own, with a reason and, if it knows, the right unit."""

    name = "return_ticket"
    reason = serializers.CharField(max_length=REASON, label=_("reason"))
    suggested_unit = KeyField(
        queryset=Unit.objects.all(), required=False, allow_null=True, label=_("the unit it belongs to")
    )


class InsistInput(TransitionInput):
    """坚持交办: the ticket stays with the unit that returned it."""

    name = "insist"
    reason = serializers.CharField(max_length=REASON, label=_("reason"))


class ContinueInput(TransitionInput):
    """持续整改: a long-term problem stays open in its reporting cycle until the next review."""

    name = "continue_rectifying"
    comment = serializers.CharField(max_length=TEXT, label=_("opinion (验收意见)"))
    next_review_on = EnteredDateField(label=_("next review (下次复核)"))


class ReassignInput(TransitionInput):
    """改派: another unit takes the ticket over, with a reason."""

    name = "reassign"
    unit = KeyField(queryset=Unit.objects.all(), label=_("new lead unit"))
    reason = serializers.CharField(max_length=REASON, label=_("reason"))


class ExplainInput(TransitionInput):
    """公示说明: the unit head publishes what was done (evidence on file) or why not yet, with a dated plan."""

    name = "explain"
    explanation = serializers.CharField(max_length=TEXT, label=_label("explanation"))
    closure_plan = serializers.CharField(
        max_length=TEXT, required=False, allow_blank=True, label=_label("closure_plan")
    )
    closure_plan_date = EnteredDateField(required=False, allow_null=True, label=_label("closure_plan_date"))


class VerifyInput(TransitionInput):
    """验收: an assessor outside the unit accepts, once the notice period is over."""

    name = "verify"
    comment = serializers.CharField(max_length=TEXT, required=False, allow_blank=True, label=_("opinion (验收意见)"))
    satisfaction_override = serializers.CharField(
        max_length=TEXT, required=False, allow_blank=True, label=_("why verified below the satisfaction bar")
    )


class RejectInput(TransitionInput):
    """退回重改: back to the unit with a reason and a new deadline."""

    name = "reject"
    reason = serializers.CharField(max_length=REASON, label=_("reason"))
    new_deadline = EnteredDateField(label=_("new deadline"))


class CloseInput(TransitionInput):
    """销号: a supervisor closes the verified ticket out."""

    name = "close"


class ReopenInput(TransitionInput):
    """复号: a closed ticket goes back to the unit (recurrence, complaint, spot check)."""

    name = "reopen"
    reason = serializers.CharField(max_length=REASON, label=_("reason"))
    new_deadline = EnteredDateField(required=False, allow_null=True, label=_("new deadline"))


class WithdrawInput(TransitionInput):
    """撤销: a finding logged in error is withdrawn."""

    name = "withdraw"
    reason = serializers.CharField(max_length=REASON, label=_("reason"))


TRANSITION_INPUTS: dict[str, type[TransitionInput]] = {
    cls.name: cls
    for cls in (
        SubmitPlanInput,
        AcceptInput,
        SignPlanInput,
        ApprovePlanInput,
        ReturnPlanInput,
        ReturnTicketInput,
        InsistInput,
        ReassignInput,
        ContinueInput,
        ExplainInput,
        VerifyInput,
        RejectInput,
        CloseInput,
        ReopenInput,
        WithdrawInput,
    )
}
assert set(TRANSITION_INPUTS) == set(TRANSITIONS), "every transition of the machine needs an input serializer"


class TransitionNameInput(serializers.Serializer):
    transition = serializers.ChoiceField(choices=sorted(TRANSITIONS))


# How a transition's input fields are described to a client (and to the pages' forms), kind by kind: the first
# match names the type; anything else is a string.
FIELD_TYPES: tuple[tuple[type[serializers.Field], str], ...] = (
    (serializers.DateField, "date"),
    (serializers.IntegerField, "integer"),
    (serializers.BooleanField, "boolean"),
    (serializers.PrimaryKeyRelatedField, "unit"),
    (serializers.ListField, "list"),
)


def _type_name(field: serializers.Field, types: tuple[tuple[type[serializers.Field], str], ...]) -> str:
    return next((name for kind, name in types if isinstance(field, kind)), "string")


def describe_fields(
    serializer_class: type[serializers.Serializer], types: tuple[tuple[type[serializers.Field], str], ...]
) -> tuple[tuple[str, str, bool, Any], ...]:
    """(name, type, required, label) of each field a client sends with a transition, besides `transition` and
    `version`; `types` names the field kinds (FIELD_TYPES for a ticket's)."""
    return tuple(
        (key, _type_name(field, types), field.required, field.label or key)
        for key, field in serializer_class().fields.items()
        if key not in ("transition", "version")
    )


@functools.cache
def _transition_field_specs(name: str) -> tuple[tuple[str, str, bool, Any], ...]:
    return describe_fields(TRANSITION_INPUTS[name], FIELD_TYPES)


def transition_fields(name: str) -> list[dict[str, Any]]:
    """What a client must send to fire transition `name`, besides `transition` and `version`."""
    return [
        {"name": key, "type": kind, "required": required, "label": str(label)}
        for key, kind, required, label in _transition_field_specs(name)
    ]


# --- activity --------------------------------------------------------------------------------------------------


def _files_within_size(files: list[Any]) -> list[Any]:
    """An oversized upload is refused as such (413); its type is the service's to judge (400)."""
    if any((f.size or 0) > settings.EVIDENCE_MAX_BYTES for f in files):
        raise PayloadTooLarge(_("A file may be at most %(bytes)s bytes.") % {"bytes": settings.EVIDENCE_MAX_BYTES})
    return files


class FilesField(serializers.ListField):
    child = serializers.FileField()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", settings.API_MAX_FILES)
        super().__init__(**kwargs)


class ProgressInput(VersionMixin):
    text = serializers.CharField(max_length=TEXT)
    percent = serializers.IntegerField(
        min_value=0, max_value=min(100, bounds.column_range(ProgressReport, "percent")[1])
    )
    difficulties = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    files = FilesField(required=False, help_text=_("Evidence files (multipart)."))

    def validate_files(self, files: list[Any]) -> list[Any]:
        return _files_within_size(files)


class EvidenceInput(VersionMixin):
    files = FilesField(min_length=1, help_text=_("Evidence files (multipart)."))

    def validate_files(self, files: list[Any]) -> list[Any]:
        return _files_within_size(files)


class ExtensionRequestInput(VersionMixin):
    requested_deadline = EnteredDateField()
    reason = serializers.CharField(max_length=REASON)


class PauseRequestInput(VersionMixin):
    reason = serializers.CharField(max_length=REASON)


class ResumeInput(VersionMixin):
    pass


class SupervisionInput(VersionMixin):
    """A supervisor's step on a ticket: listing it (挂牌督办), or what follows a listing: a summons talk (约谈) or a
    circulated notice (通报)."""

    action = serializers.ChoiceField(
        choices=[
            ("listed", _("List for supervision (挂牌督办)")),
            ("summoned", _("Summons talk (约谈)")),
            ("circulated", _("Circulated notice (通报)")),
        ]
    )
    note = serializers.CharField(
        max_length=TEXT, help_text=_("Why the ticket is listed; what the talk agreed; the notice's text or number.")
    )
    held_on = EnteredDateField(required=False, allow_null=True, help_text=_("The day the summons talk was held."))


class ReviewInput(VersionMixin):
    """复核: keep the verdict, or send the ticket back with a reason (and a new deadline when it stands explained)."""

    reopen = serializers.BooleanField()
    reason = serializers.CharField(max_length=REASON, required=False, allow_blank=True, default="")
    new_deadline = EnteredDateField(required=False, allow_null=True)


class DecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=REASON, required=False, allow_blank=True, default="")


class FeedbackInput(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FindingInput(serializers.Serializer):
    indicator = KeyField(queryset=Indicator.objects.all())
    unit = KeyField(queryset=Unit.objects.all(), help_text=_("The responsible unit."))
    description = serializers.CharField(max_length=TEXT)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
    source = serializers.CharField(max_length=100)
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    found_on = EnteredDateField(required=False, allow_null=True, default=None)
    rectification_class = serializers.ChoiceField(
        choices=RectificationClass.choices, default=RectificationClass.TIME_LIMITED
    )
    due_on = EnteredDateField(
        required=False, allow_null=True, default=None, help_text=_("Leave out for the policy's deadline.")
    )
    co_units = KeyField(queryset=Unit.objects.all(), many=True, required=False, default=list)
    lead_official = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    responsible_person = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class LanguageField(serializers.ChoiceField):
    """One of the languages the site writes in (settings.LANGUAGES); a refusal names them."""

    default_error_messages = {
        "invalid_choice": _('"{input}" is not a language messages are written in; choose one of: {languages}.')
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=settings.LANGUAGES, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if str(data) not in self.choice_strings_to_values:
            self.fail("invalid_choice", input=data, languages=", ".join(self.choice_strings_to_values))
        return super().to_internal_value(data)


class JSONBooleanField(serializers.BooleanField):
    """true or false as JSON writes them, not "yes", 1 or "0" (DRF's BooleanField reads those too)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class JSONCharField(serializers.CharField):
    """A JSON string, not a number DRF would turn into one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PreferenceInput(serializers.Serializer):
    """What the caller changes in how they are told; whatever is left out stays as it was. Every field is
    optional, so each is held to its JSON type: nothing else in the body would refuse a wrong one."""

    language = LanguageField(
        required=False,
        help_text=_("The language every message to you is written in (the inbox, email, SMS); zh-hans by default."),
    )
    email = JSONBooleanField(required=False, help_text=_("Also by email."))
    sms = JSONBooleanField(required=False, help_text=_("Also by SMS (needs a mobile number)."))
    phone = JSONCharField(max_length=30, required=False, allow_blank=True, help_text=_("Mobile number for SMS."))
