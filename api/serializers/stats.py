"""Figures per unit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers.reference import UnitBriefSerializer


class UnitScorecardSerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    tickets = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True, help_text=_("Closed on or before the deadline, 0 to 1."))
    average_delay_workdays = serializers.FloatField(
        allow_null=True, help_text=_("Mean working days closed after the deadline, over closed tickets.")
    )
    reopen_count = serializers.IntegerField()
    extension_count = serializers.IntegerField()
