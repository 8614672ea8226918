"""Spreadsheets in and out: the findings template and import, the ledger export, and the unit scorecards."""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils import translation
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import schema
from api.filters import MAX_ID, TicketFilter
from api.parsers import MultiPartParser
from api.serializers.spreadsheets import (
    ExportFailedSerializer,
    ExportSerializer,
    FindingsImportInput,
    FindingsImportResultSerializer,
    ImportRejectedSerializer,
    LanguageInput,
    ScoreboardSerializer,
    ScorecardQuery,
    TrendQuery,
    UnitTrendSerializer,
)
from api.tasks import export_ledger
from api.views.base import FileNegotiation, validated, validated_query
from tracker import exports, scorecard_sheet, scorecards, selectors
from tracker.models import Export, ExportState, Ticket, Unit
from tracker.services import import_template, imports
from tracker.services.exports import export_params, export_request
from tracker.sheets import XLSX_CONTENT_TYPE

XLSX = {(200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx file.")}


def xlsx_response(spool: Any, filename: str) -> FileResponse:
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _language(request: Request, asked: str | None) -> str:
    if asked:
        return asked
    return "en" if (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en") else "zh-hans"


@extend_schema(tags=["findings"])
class FindingsImportTemplate(APIView):
    """The findings template: the sheet to fill in, a sheet explaining every column and its allowed values, and
    the appraisals, indicators and units the caller may name. Chinese headings unless `lang=en` (or the request's
    language is English)."""

    content_negotiation_class = FileNegotiation

    @extend_schema(parameters=[LanguageInput], responses=XLSX)
    def get(self, request: Request) -> FileResponse:
        language = _language(request, validated_query(LanguageInput, request.query_params).get("lang"))
        spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        import_template.findings_template(actor=request.user, language=language, dest=spool)
        with translation.override(language):
            name = translation.gettext("findings-template") + ".xlsx"
        return xlsx_response(spool, name)


@extend_schema(tags=["findings"])
class FindingsImport(APIView):
    """Import findings from the filled-in template (multipart, field `file`). The whole file is checked first: any
    problem refuses it with every bad row and column (400, `problems`), and nothing is written. A clean file is
    imported in one transaction, each finding with its ticket (201). A finding already imported (same appraisal,
    document number and item number) is left as it is: importing the same file again creates nothing (200)."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": FindingsImportInput},
        responses={
            201: FindingsImportResultSerializer,
            200: FindingsImportResultSerializer,
            400: ImportRejectedSerializer,
            403: schema.FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(FindingsImportInput, request.data)
        result = imports.findings_import(actor=request.user, file=data["file"], appraisal=data.get("appraisal"))
        return Response(
            FindingsImportResultSerializer(result).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


@extend_schema(tags=["tickets"])
class TicketExport(generics.GenericAPIView):
    """The ledger (整改台账) as an .xlsx in its customary columns, for the same filters as the ledger and only the
    tickets the caller may see. Up to EXPORT_SYNC_MAX_ROWS rows come at once (200, the file); a larger ledger is
    written by a worker (202, with the link to fetch it from: `/api/v1/exports/<id>/`)."""

    content_negotiation_class = FileNegotiation
    filter_backends = [DjangoFilterBackend]
    filterset_class = TicketFilter
    queryset = Ticket.objects.none()

    def get_queryset(self) -> Any:
        return selectors.tickets_visible_to(self.request.user)

    @extend_schema(responses={**XLSX, 202: ExportSerializer})
    def get(self, request: Request) -> Any:
        tickets = self.filter_queryset(self.get_queryset())
        limit = settings.EXPORT_SYNC_MAX_ROWS
        if tickets.order_by().values("pk")[: limit + 1].count() > limit:
            language = translation.get_language() or settings.LANGUAGE_CODE
            export = export_request(user=request.user, params=export_params(request.query_params), language=language)
            export_ledger.delay_on_commit(export.pk)
            return Response(
                ExportSerializer(export, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
            )
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        exports.ledger_write(tickets, spool)
        return xlsx_response(spool, exports.ledger_filename())


@extend_schema(tags=["tickets"])
class ExportDetail(APIView):
    """An export the caller asked for: the file once written (200); its state while waiting or being written (202);
    the error if it failed (410). Nobody else's export exists for the caller (404)."""

    content_negotiation_class = FileNegotiation

    @extend_schema(responses={**XLSX, 202: ExportSerializer, 410: ExportFailedSerializer})
    def get(self, request: Request, pk: int) -> Any:
        export = Export.objects.filter(pk=pk, user_id=request.user.pk).first() if pk <= MAX_ID else None
        if export is None:
            raise Http404
        if export.state == ExportState.DONE:
            try:
                content = export.file.open("rb")
            except FileNotFoundError:
                raise Http404 from None
            filename = export.file.name.rsplit("/", 1)[-1].split("-", 1)[-1]
            return FileResponse(content, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
        body = ExportSerializer(export, context={"request": request}).data
        if export.state == ExportState.FAILED:
            detail = translation.gettext("The export could not be written; ask for it again.")
            return Response({"code": "export_failed", "detail": detail, **body}, status=status.HTTP_410_GONE)
        return Response(body, status=status.HTTP_202_ACCEPTED)


def _scoreboard(request: Request, query: dict[str, Any]) -> scorecards.Scoreboard:
    period = scorecards.period_of(query["period"], query.get("value"))
    units = Unit.objects.filter(path__contains=f"/{query['within']}/") if "within" in query else None
    return scorecards.unit_scoreboard(request.user, period=period, units=units)


@extend_schema(tags=["stats"])
class Scorecards(APIView):
    """Unit scorecards for a month, quarter, year or appraisal cycle, ranked by score, with the formula: tickets
    received, closed on time against the original and the extended deadline, overdue now and by stage, delays in
    working days, rejections and reopenings, extensions and pauses, public satisfaction. Only units in the caller's
    charge, counted over tickets the caller may see."""

    @extend_schema(parameters=[ScorecardQuery], responses={200: ScoreboardSerializer})
    def get(self, request: Request) -> Response:
        board = _scoreboard(request, validated_query(ScorecardQuery, request.query_params))
        return Response(ScoreboardSerializer(board).data)


@extend_schema(tags=["stats"])
class ScorecardsSheet(APIView):
    """The scorecards as an .xlsx: the ranked table with its formula, lateness by stage, and the monthly trend."""

    content_negotiation_class = FileNegotiation

    @extend_schema(parameters=[ScorecardQuery], responses=XLSX)
    def get(self, request: Request) -> FileResponse:
        query = validated_query(ScorecardQuery, request.query_params)
        board = _scoreboard(request, query)
        units = Unit.objects.filter(path__contains=f"/{query['within']}/") if "within" in query else None
        trend = scorecards.unit_trend(request.user, months=query["months"], units=units)
        spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        scorecard_sheet.scoreboard_write(board, trend, spool)
        return xlsx_response(spool, f"{translation.gettext('scorecards')}-{board.period.value}.xlsx")


@extend_schema(tags=["stats"])
class ScorecardTrend(APIView):
    """Each unit's monthly trend (演化曲线) for a chart: tickets received each month and how they stand now."""

    @extend_schema(parameters=[TrendQuery], responses={200: UnitTrendSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = validated_query(TrendQuery, request.query_params)
        units = Unit.objects.filter(path__contains=f"/{query['within']}/") if "within" in query else None
        trend = scorecards.unit_trend(request.user, months=query["months"], units=units)
        return Response(UnitTrendSerializer(trend, many=True).data)
