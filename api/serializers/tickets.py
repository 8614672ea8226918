"""Findings and tickets: the ledger's rows, one ticket in full, its history."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.inputs import transition_fields
from api.serializers.reference import IndicatorBriefSerializer, UnitBriefSerializer
from tracker import selectors
from tracker.models import Dimension, Finding, Milestone, Ticket, TicketEvent, TicketStage
from workflows import clocks
from workflows.models import Severity

WARNING_FIELD = serializers.ChoiceField(
    choices=clocks.Warning.choices,
    allow_null=True,
    help_text=_("Warning colour of the current stage; null for a ticket without a running clock."),
)


class TicketBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "number", "state", "version", "assigned_on", "due_on", "stage_deadline"]


class FindingSerializer(serializers.ModelSerializer):
    indicator = IndicatorBriefSerializer()
    unit = UnitBriefSerializer()
    found_by = serializers.CharField(source="found_by.username")
    tickets = TicketBriefSerializer(many=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "appraisal",
            "indicator",
            "unit",
            "description",
            "severity",
            "source",
            "document_number",
            "found_by",
            "found_on",
            "recurring",
            "created_at",
            "tickets",
        ]


class FindingBriefSerializer(serializers.ModelSerializer):
    indicator = IndicatorBriefSerializer()

    class Meta:
        model = Finding
        fields = ["id", "appraisal", "indicator", "description", "severity", "source", "document_number", "recurring"]


# --- the ledger (整改台账): rows of selectors.ledger_rows ------------------------------------------------------


class LedgerIndicatorSerializer(serializers.Serializer):
    """The indicator of a ledger row's finding: IndicatorBrief's fields, read from the row."""

    id = serializers.IntegerField(source="finding__indicator_id")
    code = serializers.CharField(source="finding__indicator__code")
    name = serializers.CharField(source="finding__indicator__name")
    dimension = serializers.ChoiceField(source="finding__indicator__dimension", choices=Dimension.choices)


class LedgerFindingSerializer(serializers.Serializer):
    """The finding of a ledger row: FindingBrief's fields, read from the row."""

    id = serializers.IntegerField(source="finding_id")
    appraisal = serializers.IntegerField(source="finding__appraisal_id")
    indicator = LedgerIndicatorSerializer(source="*")
    description = serializers.CharField(source="finding__description")
    severity = serializers.ChoiceField(source="finding__severity", choices=Severity.choices)
    source = serializers.CharField(source="finding__source")
    document_number = serializers.CharField(source="finding__document_number")
    recurring = serializers.BooleanField(source="finding__recurring")


class LedgerUnitSerializer(serializers.Serializer):
    """The lead unit of a ledger row: UnitBrief's fields, read from the row."""

    id = serializers.IntegerField(source="lead_unit_id")
    name = serializers.CharField(source="lead_unit__name")
    code = serializers.CharField(source="lead_unit__code")


# What a ticket shows in the ledger and first in its own representation: the ticket's own ledger fields
# (selectors.LEDGER_FIELDS, where a new column is added), its finding and unit, the pause and the warning colour.
TICKET_FIELDS = [*selectors.LEDGER_FIELDS, "finding", "lead_unit", "paused", "warning"]


class TicketSerializer(serializers.ModelSerializer):
    """A row of the ledger, rendered from a `.values()` row of selectors.ledger_rows."""

    finding = LedgerFindingSerializer(source="*")
    lead_unit = LedgerUnitSerializer(source="*")
    paused = serializers.SerializerMethodField()
    warning = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = TICKET_FIELDS

    def get_paused(self, row: dict[str, Any]) -> bool:
        return row["paused_workdays_left"] is not None

    @extend_schema_field(WARNING_FIELD)
    def get_warning(self, row: dict[str, Any]) -> str | None:
        return selectors.row_warning(row, self.context.get("today"))


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "due_on"]


class TransitionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "date", "integer", "boolean", "unit", "list"])
    required = serializers.BooleanField()
    label = serializers.CharField()


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    fields = TransitionFieldSerializer(many=True)


class TicketDetailSerializer(serializers.ModelSerializer):
    """A ticket in full, as selectors.ticket_get reads it (and every service returns it), with the transitions the
    caller may fire now."""

    finding = FindingBriefSerializer()
    lead_unit = UnitBriefSerializer()
    paused = serializers.BooleanField(source="is_paused")
    warning = serializers.SerializerMethodField()
    co_units = serializers.SerializerMethodField()
    milestones = serializers.SerializerMethodField()
    explained_by = serializers.CharField(source="explained_by.username", allow_null=True, default=None)
    plan_signed_by = serializers.CharField(source="plan_signed_by.username", allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username")
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            *TICKET_FIELDS,
            "co_units",
            "lead_official",
            "contact_phone",
            "measures",
            "goal",
            "target_date",
            "milestones",
            "explanation",
            "closure_plan",
            "closure_plan_date",
            "explained_by",
            "plan_signed_by",
            "plan_signed_on",
            "paused_workdays_left",
            "created_by",
            "created_at",
            "available_transitions",
        ]

    @extend_schema_field(WARNING_FIELD)
    def get_warning(self, ticket: Ticket) -> str | None:
        return selectors.ticket_warning(ticket, self.context.get("today"))

    # A ticket read to be shown says whether it has co-units (selectors.ticket_get); one a service returns does not,
    # and the list is read. Every ticket counts its milestones (`milestones_total`).
    @extend_schema_field(UnitBriefSerializer(many=True))
    def get_co_units(self, ticket: Ticket) -> list[dict[str, Any]]:
        if not getattr(ticket, "has_co_units", True):
            return []
        return UnitBriefSerializer(ticket.co_units.all(), many=True).data

    @extend_schema_field(MilestoneSerializer(many=True))
    def get_milestones(self, ticket: Ticket) -> list[dict[str, Any]]:
        if not ticket.milestones_total:
            return []
        return MilestoneSerializer(ticket.milestones.all(), many=True).data

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, ticket: Ticket) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {"name": spec.name, "label": str(spec.label), "target": spec.target, "fields": transition_fields(spec.name)}
            for spec in selectors.transitions_available(user, ticket)
        ]


class StageSerializer(serializers.ModelSerializer):
    """One stage of the ticket (签收, 整改, 验收, 销号) with its deadline as it finally stood and when it ended."""

    unit = UnitBriefSerializer()
    late = serializers.BooleanField(help_text=_("Ended after its deadline; an open stage: its deadline has passed."))

    class Meta:
        model = TicketStage
        fields = ["id", "state", "unit", "started_on", "deadline", "ended_on", "late"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    data = serializers.DictField(help_text=_("What changed, by kind of event."))

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "from_state", "to_state", "version", "data", "created_at"]
