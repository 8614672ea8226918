"""What happens on a ticket besides transitions: progress with evidence, extension and pause requests, the clock."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs, schema
from api.filters import ExtensionRequestFilter, PauseRequestFilter
from api.parsers import JSONParser, MultiPartParser
from api.serializers import (
    EvidenceAddedSerializer,
    EvidenceSerializer,
    ExtensionRequestSerializer,
    PauseRequestSerializer,
    ProgressReportSerializer,
    TicketDetailSerializer,
)
from api.views.base import FileNegotiation, TicketActionMixin, validated
from api.views.tickets import ticket_response
from tracker import selectors, services
from tracker.models import Evidence, ExtensionRequest, PauseRequest, ProgressReport

REFUSALS = {403: schema.FORBIDDEN, 409: schema.CONFLICT}


@extend_schema(tags=["activity"])
class TicketProgress(TicketActionMixin, generics.ListAPIView):
    """Progress reports (阶段性进展) of a ticket, newest first; POST reports progress, with evidence files."""

    serializer_class = ProgressReportSerializer
    parser_classes = [MultiPartParser, JSONParser]
    orderings = {"-id": ("-id",), "id": ("id",)}

    reports = ProgressReport.objects.select_related("author").prefetch_related("evidence")

    def get_queryset(self) -> Any:
        return self.reports.filter(ticket=self.get_ticket())

    @extend_schema(request=inputs.ProgressInput, responses={201: ProgressReportSerializer, **REFUSALS})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(inputs.ProgressInput, request.data)
        report = services.progress_report(ticket_id=pk, actor=request.user, **data)
        return Response(ProgressReportSerializer(self.reports.get(pk=report.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["activity"])
class TicketEvidence(TicketActionMixin, generics.ListAPIView):
    """Evidence files (佐证材料) on file for a ticket; POST adds files outside a progress report."""

    serializer_class = EvidenceSerializer
    parser_classes = [MultiPartParser]
    orderings = {"id": ("id",), "-id": ("-id",)}

    def get_queryset(self) -> Any:
        return Evidence.objects.filter(ticket=self.get_ticket())

    @extend_schema(request=inputs.EvidenceInput, responses={201: EvidenceAddedSerializer, **REFUSALS})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(inputs.EvidenceInput, request.data)
        stored = services.evidence_add(ticket_id=pk, actor=request.user, **data)
        return Response(EvidenceAddedSerializer({"evidence": stored}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["activity"])
class EvidenceFile(generics.GenericAPIView):
    """The file itself, as an attachment (never rendered inline, whatever its name claims)."""

    content_negotiation_class = FileNegotiation
    queryset = Evidence.objects.none()

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")}
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        evidence = generics.get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
        try:
            content = evidence.file.open("rb")
        except FileNotFoundError:  # the row outlived its file (a restore without the media folder)
            raise Http404 from None
        return FileResponse(
            content, as_attachment=True, filename=evidence.name, content_type="application/octet-stream"
        )


class _TicketRequests(TicketActionMixin, generics.ListAPIView):
    """A ticket's requests of one kind; POST files a new one through the service `make`."""

    model: Any
    input: Any
    make: Any  # the service, as a staticmethod

    def get_queryset(self) -> Any:
        return self.model.objects.filter(ticket=self.get_ticket()).select_related("requested_by", "decided_by")

    def post(self, request: Request, pk: int) -> Response:
        made = self.make(ticket_id=pk, actor=request.user, **validated(self.input, request.data))
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(request=inputs.ExtensionRequestInput, responses={201: ExtensionRequestSerializer, **REFUSALS})
)
@extend_schema(tags=["activity"])
class TicketExtensionRequests(_TicketRequests):
    """Extension requests (延期) of a ticket; POST files one, before the deadline it moves."""

    serializer_class = ExtensionRequestSerializer
    model = ExtensionRequest
    input = inputs.ExtensionRequestInput
    make = staticmethod(services.extension_request)


@extend_schema_view(
    post=extend_schema(request=inputs.PauseRequestInput, responses={201: PauseRequestSerializer, **REFUSALS})
)
@extend_schema(tags=["activity"])
class TicketPauseRequests(_TicketRequests):
    """Pause requests (时限中止) of a ticket; POST asks to stop its clock."""

    serializer_class = PauseRequestSerializer
    model = PauseRequest
    input = inputs.PauseRequestInput
    make = staticmethod(services.pause_request)


@extend_schema(tags=["activity"])
class TicketResume(TicketActionMixin, generics.GenericAPIView):
    """Restart a paused clock with the working days it had left."""

    serializer_class = TicketDetailSerializer
    queryset = PauseRequest.objects.none()

    @extend_schema(request=inputs.ResumeInput, responses={200: TicketDetailSerializer, **REFUSALS})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(inputs.ResumeInput, request.data)
        ticket = services.clock_resume(ticket_id=pk, actor=request.user, **data)
        return ticket_response(request, ticket)


@extend_schema(tags=["activity"])
class ExtensionRequestList(generics.ListAPIView):
    """Extension requests on tickets the caller may see (a supervisor's queue: ?state=pending)."""

    serializer_class = ExtensionRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ExtensionRequestFilter

    def get_queryset(self) -> Any:
        return selectors.extension_requests_visible_to(self.request.user)


@extend_schema(tags=["activity"])
class PauseRequestList(generics.ListAPIView):
    """Pause requests on tickets the caller may see."""

    serializer_class = PauseRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PauseRequestFilter

    def get_queryset(self) -> Any:
        return selectors.pause_requests_visible_to(self.request.user)


class _Decision(generics.GenericAPIView):
    """A supervisor approves or rejects a request on a ticket they may see (a rejection needs a reason)."""

    decide: Any  # the service, as a staticmethod

    def get_queryset(self) -> Any:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        pending = generics.get_object_or_404(self.get_queryset(), pk=pk)
        data = validated(inputs.DecisionInput, request.data)
        self.decide(request=pending, actor=request.user, **data)
        decided = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(decided).data)


@extend_schema_view(
    post=extend_schema(request=inputs.DecisionInput, responses={200: ExtensionRequestSerializer, **REFUSALS})
)
@extend_schema(tags=["activity"])
class ExtensionRequestDecision(_Decision):
    serializer_class = ExtensionRequestSerializer
    decide = staticmethod(services.extension_decide)

    def get_queryset(self) -> Any:
        return selectors.extension_requests_visible_to(self.request.user)


@extend_schema_view(
    post=extend_schema(request=inputs.DecisionInput, responses={200: PauseRequestSerializer, **REFUSALS})
)
@extend_schema(tags=["activity"])
class PauseRequestDecision(_Decision):
    serializer_class = PauseRequestSerializer
    decide = staticmethod(services.pause_decide)

    def get_queryset(self) -> Any:
        return selectors.pause_requests_visible_to(self.request.user)
