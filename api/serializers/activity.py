"""What happens on a ticket besides transitions: progress reports, evidence, extension and pause requests."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tracker.models import Evidence, ExtensionRequest, PauseRequest, ProgressReport


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "report", "name", "size", "sha256", "uploaded_at"]


class EvidenceAddedSerializer(serializers.Serializer):
    evidence = EvidenceSerializer(many=True)


class ProgressReportSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "ticket", "unit", "author", "text", "percent", "difficulties", "evidence", "created_at"]
        extra_kwargs = {"unit": {"help_text": _("The co-unit whose part this reports on; null for the lead unit.")}}


class _RequestSerializer(serializers.ModelSerializer):
    """What extension and pause requests share: who asked and why, and the supervisor's decision."""

    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    shared_fields = [
        "id",
        "ticket",
        "requested_by",
        "reason",
        "state",
        "decided_by",
        "decided_at",
        "decision_reason",
        "created_at",
    ]


class ExtensionRequestSerializer(_RequestSerializer):
    class Meta:
        model = ExtensionRequest
        fields = [*_RequestSerializer.shared_fields, "current_deadline", "requested_deadline"]


class PauseRequestSerializer(_RequestSerializer):
    class Meta:
        model = PauseRequest
        fields = [*_RequestSerializer.shared_fields, "paused_on", "resumed_on", "workdays_left"]
