"""Inputs and outputs of the spreadsheet endpoints: the findings import, ledger exports and the unit scorecards."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.filters import MAX_ID
from api.serializers import UnitScorecardSerializer
from tracker import scorecards
from tracker.models import Appraisal, Unit


class LanguageInput(serializers.Serializer):
    lang = serializers.ChoiceField(
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        required=False,
        help_text=_("Language of the headings; the request's language when not given."),
    )


class FindingsImportInput(serializers.Serializer):
    file = serializers.FileField(help_text=_("The filled-in template (.xlsx)."))
    appraisal = serializers.PrimaryKeyRelatedField(
        queryset=Appraisal.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The appraisal of every row; when not given, each row names its appraisal."),
    )


class ImportedTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    finding = serializers.IntegerField(source="finding_id")


class FindingsImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text=_("Findings in the file."))
    created = serializers.IntegerField(help_text=_("Findings imported now, each with its ticket."))
    already_imported = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Rows naming findings imported before: left as they are.")
    )
    message = serializers.CharField()
    tickets = ImportedTicketSerializer(many=True)

    def to_representation(self, result: Any) -> dict[str, Any]:
        return {
            "rows": result.rows,
            "created": len(result.created),
            "already_imported": result.already_imported,
            "message": result.message,
            "tickets": ImportedTicketSerializer(result.created, many=True).data,
        }


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(help_text=_("The column's letter, as Excel shows it."))
    heading = serializers.CharField()
    code = serializers.ChoiceField(
        choices=[
            "missing_column",
            "missing",
            "too_long",
            "unknown_appraisal",
            "ambiguous_appraisal",
            "unknown_indicator",
            "unknown_unit",
            "ambiguous_unit",
            "forbidden_unit",
            "bad_choice",
            "bad_date",
            "duplicate",
            "formula",
            "empty",
            "invalid",
        ]
    )
    message = serializers.CharField()


class ImportRejectedSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    problems = ImportProblemSerializer(many=True, required=False)
    problem_count = serializers.IntegerField(required=False)


class ExportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    rows = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text=_("Where to fetch it: the file once ready, this status before."))

    def get_url(self, export: Any) -> str:
        request = self.context.get("request")
        path = f"/api/v1/exports/{export.pk}/"
        return request.build_absolute_uri(path) if request is not None else path


class ExportFailedSerializer(ExportSerializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class ScorecardQuery(serializers.Serializer):
    period = serializers.ChoiceField(choices=scorecards.PeriodKind.CHOICES, default=scorecards.PeriodKind.MONTH)
    value = serializers.CharField(
        required=False,
        max_length=20,
        help_text=_("2026-10 (month), 2026-Q4 (quarter), 2026 (year) or an appraisal's id; the current one if empty."),
    )
    within = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("Only this unit and the units below it.")
    )
    months = serializers.IntegerField(
        min_value=1, max_value=36, default=12, help_text=_("Months of trend (the .xlsx's trend sheet).")
    )


class TrendQuery(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=36, default=12)
    within = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class ScorecardUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code"]


class StagesSerializer(serializers.Serializer):
    signing = serializers.IntegerField()
    rectifying = serializers.IntegerField()
    verifying = serializers.IntegerField()
    closing = serializers.IntegerField()


class ScorecardSerializer(serializers.Serializer):
    unit = ScorecardUnitSerializer()
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    received = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    open = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time_original = serializers.IntegerField(help_text=_("Closed by the deadline first assigned."))
    closed_on_time_extended = serializers.IntegerField(help_text=_("Closed by the deadline as extended."))
    overdue_now = serializers.IntegerField()
    overdue_now_by_stage = StagesSerializer()
    late_ended_by_stage = StagesSerializer(
        help_text=_("Stages that ended after their own deadline (from the stage record), for the unit that held them.")
    )
    late = serializers.IntegerField(help_text=_("Tickets past the rectification deadline: closed late or still open."))
    average_delay_workdays = serializers.FloatField(allow_null=True)
    worst_delay_workdays = serializers.IntegerField(allow_null=True)
    rejections = serializers.IntegerField()
    reopenings = serializers.IntegerField()
    returns = serializers.IntegerField(help_text=_("Tickets the unit returned as not its own (退回)."))
    missed_reports = serializers.IntegerField(help_text=_("Progress reports missed and chased (催报)."))
    extensions = serializers.IntegerField()
    extension_workdays = serializers.IntegerField()
    pauses = serializers.IntegerField()
    pause_workdays = serializers.IntegerField()
    feedback = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True)
    key_tickets = serializers.IntegerField()
    timeliness = serializers.FloatField(allow_null=True)


class PeriodSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()


class ScoreboardSerializer(serializers.Serializer):
    period = PeriodSerializer()
    today = serializers.DateField()
    formula = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())
    cards = ScorecardSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField()
    received = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time_original = serializers.IntegerField()
    overdue_now = serializers.IntegerField()
    timeliness = serializers.FloatField(allow_null=True)


class UnitTrendSerializer(serializers.Serializer):
    unit = ScorecardUnitSerializer()
    points = TrendPointSerializer(many=True)

    def to_representation(self, item: Any) -> dict[str, Any]:
        unit, points = item
        return {
            "unit": ScorecardUnitSerializer(unit).data,
            "points": TrendPointSerializer(points, many=True).data,
        }


class UnitStatsQuery(serializers.Serializer):
    within = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("Only this unit and the units below it.")
    )
    period = serializers.ChoiceField(
        choices=scorecards.PeriodKind.CHOICES,
        required=False,
        help_text=_("Count only the tickets received in this period (all tickets when not given)."),
    )
    value = serializers.CharField(
        required=False, max_length=20, help_text=_("2026-10, 2026-Q4, 2026 or an appraisal's id.")
    )


class UnitStatsSerializer(UnitScorecardSerializer):
    closed_on_time_original = serializers.IntegerField(help_text=_("Closed by the deadline first assigned."))
    worst_delay_workdays = serializers.IntegerField(
        allow_null=True, help_text=_("The most working days a closed ticket closed after its deadline.")
    )
