"""A supervisor's steps on one ticket (挂牌督办, 约谈, 通报), and the assessor's answer to public dissatisfaction
(复核)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from api import inputs, schema
from api.serializers import TicketDetailSerializer
from api.views.base import TicketActionMixin, validated
from api.views.tickets import ticket_response
from tracker import services
from tracker.models import Ticket

REFUSALS = {403: schema.FORBIDDEN, 409: schema.CONFLICT}


@extend_schema(tags=["supervision"])
class TicketSupervision(TicketActionMixin, generics.GenericAPIView):
    """A supervisor lists the ticket for supervision (挂牌督办), or records what follows a listing: a summons talk
    with the unit head (约谈, with the day it was held) or a circulated notice (通报). Each is an event on the
    ticket, told to the unit head."""

    serializer_class = TicketDetailSerializer
    queryset = Ticket.objects.none()

    @extend_schema(request=inputs.SupervisionInput, responses={200: TicketDetailSerializer, **REFUSALS})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(inputs.SupervisionInput, request.data)
        action, version = data["action"], data.get("version")
        if action == "listed":
            ticket = services.ticket_list(ticket_id=pk, actor=request.user, reason=data["note"], version=version)
        else:
            ticket = services.ticket_follow_up(
                ticket_id=pk,
                actor=request.user,
                kind=action,
                note=data["note"],
                held_on=data.get("held_on"),
                version=version,
            )
        return ticket_response(request, ticket)


@extend_schema(tags=["supervision"])
class TicketReview(TicketActionMixin, generics.GenericAPIView):
    """复核: the assessor answers public dissatisfaction on a flagged ticket: keep the verdict, or send it back to
    the unit with a reason (reopened if closed; sent back with a new deadline if it stands explained)."""

    serializer_class = TicketDetailSerializer
    queryset = Ticket.objects.none()

    @extend_schema(request=inputs.ReviewInput, responses={200: TicketDetailSerializer, **REFUSALS})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(inputs.ReviewInput, request.data)
        ticket = services.ticket_review_decide(
            ticket_id=pk,
            actor=request.user,
            version=data.get("version"),
            reopen=data["reopen"],
            reason=data["reason"],
            new_deadline=data.get("new_deadline"),
        )
        return ticket_response(request, ticket)
