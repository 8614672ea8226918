"""Reference data: units, appraisals, indicators and the deadline policies."""

from __future__ import annotations

from rest_framework import serializers

from tracker.models import Appraisal, Indicator, Unit
from workflows.models import Policy


class UnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind", "parent"]


class AppraisalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appraisal
        fields = ["id", "name", "kind", "level", "period_start", "period_end"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "appraisal", "code", "name", "dimension", "weight", "is_key"]


class IndicatorBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "dimension"]


class PolicySerializer(serializers.ModelSerializer):
    reminder_offsets = serializers.ListField(child=serializers.IntegerField())

    class Meta:
        model = Policy
        fields = [
            "id",
            "rectification_class",
            "severity",
            "sign_days",
            "rectify_days",
            "notice_days",
            "verify_days",
            "close_days",
            "reminder_offsets",
            "chase_after_days",
            "supervise_after_days",
            "listed_after_days",
            "reporting_cycle_days",
            "yellow_days",
            "progress_tolerance",
            "satisfaction_bar",
        ]
