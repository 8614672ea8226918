"""The decision record in the API: what is shown of a decision and what a client sends to open one or take a step.

Inputs check shape only (types, lengths, known names) and hand typed values to tracker.services.decisions, which
owns every rule. The public register's serializer carries no personal data: no names, positions or accounts, no
statement or appeal text.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.inputs import MAX_VERSION, REASON, TEXT, describe_fields
from tracker.decision_selectors import decision_transitions_available
from tracker.models import Decision, DecisionEvent, Indicator, Measure, SubjectKind, Unit
from tracker.models.decisions import FollowUp
from workflows.decisions import DECISION_TRANSITIONS, AppealOutcome, DecisionKind, DecisionState

MAX_ID = 2**63 - 1


class DecisionUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DecisionSerializer(serializers.ModelSerializer):
    """A decision as the ledger of decisions lists it."""

    subject_unit = DecisionUnitSerializer()
    subject = serializers.CharField(source="subject_label", help_text=_("The unit, or the person and position."))
    correction_ticket = serializers.CharField(source="correction_ticket.number", allow_null=True, default=None)

    class Meta:
        model = Decision
        fields = [
            "id",
            "kind",
            "state",
            "appeal_state",
            "subject_kind",
            "subject",
            "subject_unit",
            "measures",
            "due_on",
            "decided_on",
            "published_on",
            "correction_ticket",
            "version",
            "created_at",
        ]


class DecisionTransitionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "date", "integer", "list", "choice"])
    required = serializers.BooleanField()
    label = serializers.CharField()


class DecisionAvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField(allow_null=True, help_text=_("The state it leads to; null when it stays."))
    fields = DecisionTransitionFieldSerializer(many=True)


class DecisionDetailSerializer(DecisionSerializer):
    """One decision with its grounds, the tickets it concerns and the steps the caller may take now."""

    subject_name = serializers.CharField()
    subject_position = serializers.CharField()
    tickets = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    opened_by = serializers.CharField(source="opened_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    available_transitions = serializers.SerializerMethodField()

    class Meta(DecisionSerializer.Meta):
        fields = [
            *DecisionSerializer.Meta.fields,
            "subject_name",
            "subject_position",
            "facts",
            "rule",
            "tickets",
            "related",
            "effect_until",
            "deciding_body",
            "document_number",
            "decided_by",
            "appeal_until",
            "appeal_outcome",
            "step_started_on",
            "opened_by",
            "available_transitions",
        ]

    @extend_schema_field(DecisionAvailableTransitionSerializer(many=True))
    def get_available_transitions(self, decision: Decision) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {"name": spec.name, "label": str(spec.label), "target": spec.target, "fields": transition_fields(spec.name)}
            for spec in decision_transitions_available(user, decision)
        ]


class DecisionEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    data = serializers.DictField(help_text=_("What the step recorded, by kind of event."))

    class Meta:
        model = DecisionEvent
        fields = [
            "id",
            "seq",
            "kind",
            "actor",
            "from_state",
            "to_state",
            "data",
            "supersedes",
            "created_at",
            "prev_hash",
            "hash",
        ]


class PublicDecisionSerializer(serializers.ModelSerializer):
    """A published decision on the public register: the unit, the kind of measures, when; nobody's name."""

    unit = serializers.CharField(source="subject_unit.name")

    class Meta:
        model = Decision
        fields = ["id", "kind", "subject_kind", "unit", "measures", "decided_on", "published_on", "deciding_body"]


# --- inputs -------------------------------------------------------------------------------------------------------


class DecisionFilterInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DecisionKind.choices, required=False)
    state = serializers.ChoiceField(choices=DecisionState.choices, required=False)
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text=_("The unit concerned."))
    ticket = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("A ticket the decisions concern.")
    )


class DecisionOpenInput(serializers.Serializer):
    """Open a procedure: accountability (启动问责), fault tolerance (容错申请 or ex officio) or correction (纠错)."""

    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices, default=SubjectKind.UNIT)
    subject_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    subject_user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True, default=None
    )
    subject_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    subject_position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    facts = serializers.CharField(max_length=TEXT)
    rule = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list, max_length=100
    )
    related = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text=_("Fault tolerance: the accountability decision it concerns."),
    )  # fmt: skip
    opinion = serializers.CharField(
        max_length=TEXT, required=False, allow_blank=True, default="", help_text=_("Correction: the opinion issued.")
    )
    indicator = serializers.PrimaryKeyRelatedField(
        queryset=Indicator.objects.all(), required=False, allow_null=True, default=None
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)

    # The fields that only one kind of procedure reads: sent with another kind, they would be dropped unread.
    ONLY_FOR = {
        "related": DecisionKind.FAULT_TOLERANCE,
        "opinion": DecisionKind.CORRECTION,
        "indicator": DecisionKind.CORRECTION,
        "due_on": DecisionKind.CORRECTION,
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {
            name: [_("Only a %(kind)s takes this field.") % {"kind": DecisionKind(kind).label}]
            for name, kind in self.ONLY_FOR.items()
            if attrs.get(name) not in (None, "") and attrs["kind"] != kind
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class DecisionTransitionInput(serializers.Serializer):
    name = ""
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_VERSION, help_text=_("The decision version you read.")
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declared_fields["transition"] = serializers.ChoiceField(choices=[cls.name])


def _text(label: Any, *, required: bool = True, max_length: int = TEXT) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=max_length, label=label)
    return serializers.CharField(max_length=max_length, label=label, required=False, allow_blank=True, default="")


class InvestigateInput(DecisionTransitionInput):
    name = "investigate"
    note = _text(_("note"), required=False)


class RequestStatementInput(DecisionTransitionInput):
    name = "request_statement"
    facts_told = _text(_("facts told to the subject"))


class FileStatementInput(DecisionTransitionInput):
    name = "file_statement"
    statement = _text(_("statement and defence (陈述申辩)"))


class WaiveStatementInput(DecisionTransitionInput):
    name = "waive_statement"
    note = _text(_("note"), required=False)


class DecideInput(DecisionTransitionInput):
    name = "decide"
    measures = serializers.ListField(
        child=serializers.ChoiceField(choices=Measure.choices), allow_empty=False, max_length=12, label=_("measures")
    )
    deciding_body = _text(_("deciding body"), max_length=100)
    document_number = _text(_("document number (文号)"), required=False, max_length=100)
    effect_months = serializers.IntegerField(
        min_value=1, max_value=120, required=False, allow_null=True, default=None, label=_("period of effect (months)")
    )
    reasons = _text(_("reasons"), required=False)


class DismissInput(DecisionTransitionInput):
    name = "dismiss"
    reason = _text(_("reason"), max_length=REASON)


class RecordEnforcementInput(DecisionTransitionInput):
    name = "record_enforcement"
    note = _text(_("how the measures were carried out"))


class PublishInput(DecisionTransitionInput):
    name = "publish"
    notice = _text(_("notice"), required=False)


class AppealInput(DecisionTransitionInput):
    name = "appeal"
    grounds = _text(_("grounds of the appeal"))


class DecideAppealInput(DecisionTransitionInput):
    name = "decide_appeal"
    outcome = serializers.ChoiceField(choices=AppealOutcome.choices, label=_("outcome"))
    reason = _text(_("reason"), max_length=REASON)
    measures = serializers.ListField(
        child=serializers.ChoiceField(choices=Measure.choices),
        max_length=12,
        required=False,
        allow_null=True,
        default=None,
        label=_("changed measures"),
    )


class _ToleranceInput(DecisionTransitionInput):
    reason = _text(_("reason"), max_length=REASON)
    basis = _text(_("basis (三个区分开来)"), required=False, max_length=REASON)


class ExemptInput(_ToleranceInput):
    name = "exempt"


class MitigateInput(_ToleranceInput):
    name = "mitigate"


class RefuseInput(_ToleranceInput):
    name = "refuse"


class FollowUpInput(DecisionTransitionInput):
    name = "follow_up"
    follow_up = serializers.ChoiceField(choices=FollowUp.choices, label=_("follow-up"))
    note = _text(_("note"))


class CompleteInput(DecisionTransitionInput):
    name = "complete"
    note = _text(_("note"), required=False)


DECISION_TRANSITION_INPUTS: dict[str, type[DecisionTransitionInput]] = {
    cls.name: cls
    for cls in (
        InvestigateInput,
        RequestStatementInput,
        FileStatementInput,
        WaiveStatementInput,
        DecideInput,
        DismissInput,
        RecordEnforcementInput,
        PublishInput,
        AppealInput,
        DecideAppealInput,
        ExemptInput,
        MitigateInput,
        RefuseInput,
        FollowUpInput,
        CompleteInput,
    )
}
assert set(DECISION_TRANSITION_INPUTS) == set(DECISION_TRANSITIONS), "every decision step needs its input"


class DecisionTransitionNameInput(serializers.Serializer):
    transition = serializers.ChoiceField(choices=sorted(DECISION_TRANSITIONS))


# A decision step's fields named as a ticket's are, with a choice (a measure, a verdict) named as such.
DECISION_FIELD_TYPES = (
    (serializers.DateField, "date"),
    (serializers.IntegerField, "integer"),
    (serializers.ListField, "list"),
    (serializers.ChoiceField, "choice"),
)


@functools.cache
def _field_specs(name: str) -> tuple[tuple[str, str, bool, Any], ...]:
    return describe_fields(DECISION_TRANSITION_INPUTS[name], DECISION_FIELD_TYPES)


def transition_fields(name: str) -> list[dict[str, Any]]:
    """What a client sends to take step `name`, besides `transition` and `version`."""
    return [
        {"name": key, "type": kind, "required": required, "label": str(label)}
        for key, kind, required, label in _field_specs(name)
    ]
