"""Findings and tickets: the ledger, one ticket, its history, and its workflow transitions."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs, schema
from api.filters import FindingFilter, TicketFilter
from api.serializers import (
    EventSerializer,
    FindingSerializer,
    StageSerializer,
    TicketDetailSerializer,
    TicketSerializer,
)
from api.views.base import TicketActionMixin, validated
from tracker import selectors, services
from tracker.models import Ticket
from workflows import clocks

TICKET_ORDERINGS = {
    "-id": ("-id",),
    "id": ("id",),
    "due_on": ("due_on", "id"),
    "-due_on": ("-due_on", "-id"),
    "assigned_on": ("assigned_on", "id"),
    "-assigned_on": ("-assigned_on", "-id"),
}


def ticket_response(request: Request, ticket: Ticket) -> Response:
    """A ticket as selectors.ticket_get read it, or a service returned it."""
    return Response(TicketDetailSerializer(ticket, context={"request": request, "today": clocks.today()}).data)


def findings_of(user: Any) -> Any:
    """The caller's findings, each with only the tickets the caller may see."""
    tickets = Prefetch("tickets", queryset=selectors.tickets_visible_to(user))
    return selectors.findings_visible_to(user).select_related("found_by").prefetch_related(tickets)


@extend_schema(tags=["findings"])
class FindingList(generics.ListAPIView):
    """Findings (问题) with a ticket the caller may see; POST logs a finding and assigns its ticket (交办)."""

    serializer_class = FindingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FindingFilter

    def get_queryset(self) -> Any:
        return findings_of(self.request.user)

    @extend_schema(request=inputs.FindingInput, responses={201: FindingSerializer, 403: schema.FORBIDDEN})
    def post(self, request: Request) -> Response:
        data = validated(inputs.FindingInput, request.data)
        ticket = services.finding_create(actor=request.user, **data)
        finding = self.get_queryset().get(pk=ticket.finding_id)
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["findings"])
class FindingDetail(generics.RetrieveAPIView):
    serializer_class = FindingSerializer

    def get_queryset(self) -> Any:
        return findings_of(self.request.user)


@extend_schema(tags=["tickets"])
class TicketList(generics.ListAPIView):
    """The ledger (整改台账): the tickets the caller may see, filtered and sorted."""

    serializer_class = TicketSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TicketFilter
    orderings = TICKET_ORDERINGS

    def get_queryset(self) -> Any:
        return selectors.tickets_visible_to(self.request.user)

    def filter_queryset(self, queryset: Any) -> Any:
        """The filtered tickets' ledger rows (selectors.ledger_rows), which the page then reads."""
        return selectors.ledger_rows(super().filter_queryset(queryset))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": clocks.today()}


@extend_schema(tags=["tickets"])
class TicketDetail(TicketActionMixin, generics.GenericAPIView):
    """One ticket, with the transitions the caller may fire now and what each needs."""

    serializer_class = TicketDetailSerializer
    queryset = Ticket.objects.none()

    def get(self, request: Request, pk: int) -> Response:
        return ticket_response(request, selectors.ticket_get(request.user, pk))


TRANSITION_REQUEST = PolymorphicProxySerializer(
    component_name="Transition",
    serializers={name: serializer for name, serializer in inputs.TRANSITION_INPUTS.items()},
    resource_type_field_name="transition",
)


@extend_schema(tags=["tickets"])
class TicketTransition(TicketActionMixin, generics.GenericAPIView):
    serializer_class = TicketDetailSerializer
    queryset = Ticket.objects.none()

    @extend_schema(
        request=TRANSITION_REQUEST,
        responses={200: TicketDetailSerializer, 403: schema.FORBIDDEN, 409: schema.CONFLICT},
        examples=[
            OpenApiExample(
                "accept",
                request_only=True,
                value={
                    "transition": "accept",
                    "version": 1,
                    "measures": "排查工地扬尘台账，逐一整改",
                    "goal": "台账齐全",
                    "responsible_person": "陈局长",
                    "target_date": "2026-06-30",
                },
            ),
            OpenApiExample("close", request_only=True, value={"transition": "close", "version": 4}),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        """Fire a workflow transition. The body names it, gives the ticket version read, and what it needs
        (listed under `available_transitions` of the ticket). A refused call changes nothing."""
        name = validated(inputs.TransitionNameInput, request.data)["transition"]
        data = validated(inputs.TRANSITION_INPUTS[name], request.data)
        del data["transition"]
        ticket = services.TRANSITION_SERVICES[name](ticket_id=pk, actor=request.user, **data)
        return ticket_response(request, ticket)


@extend_schema(tags=["tickets"])
class TicketStages(generics.ListAPIView):
    """The ticket's stage record, first stage first: each stage's deadline and when it ended, so that a late
    signature or a late verification shows as well as a late rectification."""

    serializer_class = StageSerializer
    orderings = {"id": ("id",)}

    def get_queryset(self) -> Any:
        return selectors.ticket_stages(self.request.user, self.kwargs["pk"])


class TicketEvents(generics.ListAPIView):
    """The ticket's history, oldest first: every change, who made it and the version it produced."""

    serializer_class = EventSerializer
    orderings = {"id": ("id",), "-id": ("-id",)}

    def get_queryset(self) -> Any:
        return selectors.ticket_events(self.request.user, self.kwargs["pk"])
