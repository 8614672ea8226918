"""Reference data every signed-in user may read: units, appraisals, indicators, deadline policies; and the
per-unit scorecard."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import IndicatorFilter, UnitFilter
from api.serializers import (
    AppraisalSerializer,
    IndicatorSerializer,
    PolicySerializer,
    UnitSerializer,
)
from api.serializers.spreadsheets import UnitStatsQuery, UnitStatsSerializer
from api.views.base import validated_query
from tracker import scorecards, stats
from tracker.models import Appraisal, Indicator, Unit
from workflows.models import Policy

BY_ID = {"id": ("id",), "-id": ("-id",)}


@extend_schema(tags=["reference"])
class UnitList(generics.ListAPIView):
    """The unit tree (province → city → county → department); `parent` gives each unit's place in it."""

    serializer_class = UnitSerializer
    queryset = Unit.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_class = UnitFilter
    orderings = BY_ID


@extend_schema(tags=["reference"])
class AppraisalList(generics.ListAPIView):
    serializer_class = AppraisalSerializer
    queryset = Appraisal.objects.all()
    orderings = BY_ID


@extend_schema(tags=["reference"])
class IndicatorList(generics.ListAPIView):
    serializer_class = IndicatorSerializer
    queryset = Indicator.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_class = IndicatorFilter
    orderings = BY_ID


@extend_schema(tags=["reference"])
class PolicyList(generics.ListAPIView):
    """Deadline policies: each stage's working days, reminders, the escalation ladder, the satisfaction bar."""

    serializer_class = PolicySerializer
    queryset = Policy.objects.all()
    orderings = BY_ID


@extend_schema(tags=["stats"])
class UnitStats(APIView):
    """The scorecard of every unit in the caller's charge: open, overdue, on-time rate (against the extended and the
    original deadline), average and worst delay in working days, reopens and extensions; over every ticket, or those
    received in a `period`. Counted over tickets the caller may see, nothing else. The ranked scorecards with their
    score are at /api/v1/stats/scorecards/."""

    @extend_schema(
        parameters=[UnitStatsQuery],
        responses={200: UnitStatsSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = validated_query(UnitStatsQuery, request.query_params)
        units = Unit.objects.filter(path__contains=f"/{query['within']}/") if "within" in query else None
        period = scorecards.period_of(query["period"], query.get("value")).tickets() if "period" in query else None
        cards = stats.unit_scorecards(request.user, units=units, tickets_in=period)
        return Response(UnitStatsSerializer(cards, many=True).data)
