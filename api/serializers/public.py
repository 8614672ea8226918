"""The public register (公示): published explanations and the receipt of a feedback. Nothing internal: no people,
no files, no working notes."""

from __future__ import annotations

from rest_framework import serializers

from tracker.models import Finding, Rating, Ticket, Unit


class PublicUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["name"]


class PublicFindingSerializer(serializers.ModelSerializer):
    summary = serializers.CharField(source="description")
    indicator = serializers.CharField(source="indicator.name")
    dimension = serializers.CharField(source="indicator.dimension")

    class Meta:
        model = Finding
        fields = ["summary", "indicator", "dimension", "severity"]


class PublicNoticeSerializer(serializers.ModelSerializer):
    """A published explanation."""

    unit = PublicUnitSerializer(source="lead_unit")
    finding = PublicFindingSerializer()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "state",
            "unit",
            "finding",
            "rectification_class",
            "explanation",
            "closure_plan",
            "closure_plan_date",
            "assigned_on",
            "due_on",
            "published_on",
            "closed_on",
        ]


class FeedbackReceiptSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
