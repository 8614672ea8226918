"""The decision record: accountability, fault tolerance and correction decisions, their steps and their chain."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from api import schema
from api.serializers import decisions as ds
from api.views.base import validated
from tracker import decision_selectors, services
from tracker.errors import Invalid
from tracker.models import Decision
from workflows.decisions import DecisionKind


def decision_response(request: Request, decision_id: int, *, created: bool = False) -> Response:
    decision = decision_selectors.decision_get(request.user, decision_id)
    return Response(
        ds.DecisionDetailSerializer(decision, context={"request": request}).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@extend_schema(tags=["decisions"])
class DecisionList(generics.ListAPIView):
    """Accountability (问责), fault-tolerance (容错免责) and correction (纠错) decisions the caller may see.

    POST opens one: accountability by a supervisor or a discipline/organisation body over the unit; fault tolerance
    by the person or unit concerned, or ex officio by a body; a correction, which assigns the unit a rectification
    ticket, by a supervisor over it."""

    serializer_class = ds.DecisionSerializer

    def get_queryset(self) -> Any:
        filters = validated(ds.DecisionFilterInput, self.request.query_params)
        return decision_selectors.decision_list(self.request.user, **filters)

    @extend_schema(parameters=[ds.DecisionFilterInput])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ds.DecisionOpenInput,
        responses={201: ds.DecisionDetailSerializer, 403: schema.FORBIDDEN},
        examples=[
            OpenApiExample(
                "accountability",
                request_only=True,
                value={
                    "kind": "accountability",
                    "subject_kind": "person",
                    "subject_unit": 3,
                    "subject_name": "王某",
                    "subject_position": "科长",
                    "facts": "整改逾期三个月，挂牌督办后仍未推进",
                    "rule": "《中国共产党问责条例》第七条",
                    "tickets": [12],
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = validated(ds.DecisionOpenInput, request.data)
        kind = data.pop("kind")
        subject = {
            "subject_kind": data["subject_kind"],
            "subject_unit": data["subject_unit"],
            "subject_user": data["subject_user"],
            "subject_name": data["subject_name"],
            "subject_position": data["subject_position"],
        }
        if kind == DecisionKind.ACCOUNTABILITY:
            decision = services.accountability_open(
                actor=request.user, facts=data["facts"], rule=data["rule"], ticket_ids=data["tickets"], **subject
            )
        elif kind == DecisionKind.FAULT_TOLERANCE:
            decision = services.fault_tolerance_apply(
                actor=request.user,
                facts=data["facts"],
                rule=data["rule"],
                ticket_ids=data["tickets"],
                related_id=data["related"],
                **subject,
            )
        else:
            if data["subject_kind"] != "unit":
                raise Invalid({"subject_kind": [_("A correction opinion is issued to a unit.")]})
            decision = services.correction_issue(
                actor=request.user,
                subject_unit=data["subject_unit"],
                facts=data["facts"],
                opinion=data["opinion"],
                rule=data["rule"],
                ticket_ids=data["tickets"],
                indicator=data["indicator"],
                due_on=data["due_on"],
            )
        return decision_response(request, decision.pk, created=True)


@extend_schema(tags=["decisions"])
class DecisionDetail(generics.GenericAPIView):
    """One decision, with its grounds and the steps the caller may take now and what each needs."""

    serializer_class = ds.DecisionDetailSerializer
    queryset = Decision.objects.none()

    def get(self, request: Request, pk: int) -> Response:
        return decision_response(request, pk)


DECISION_TRANSITION_REQUEST = PolymorphicProxySerializer(
    component_name="DecisionTransition",
    serializers=dict(ds.DECISION_TRANSITION_INPUTS),
    resource_type_field_name="transition",
)


@extend_schema(tags=["decisions"])
class DecisionTransition(generics.GenericAPIView):
    serializer_class = ds.DecisionDetailSerializer
    queryset = Decision.objects.none()

    @extend_schema(
        request=DECISION_TRANSITION_REQUEST,
        responses={200: ds.DecisionDetailSerializer, 403: schema.FORBIDDEN, 409: schema.CONFLICT},
        examples=[
            OpenApiExample(
                "file_statement",
                request_only=True,
                value={"transition": "file_statement", "version": 3, "statement": "因机构改革人员调整，确有延误"},
            ),
            OpenApiExample(
                "decide",
                request_only=True,
                value={
                    "transition": "decide",
                    "version": 4,
                    "measures": ["person_notice", "person_admonition"],
                    "deciding_body": "市纪委常委会",
                    "document_number": "临纪发〔2026〕12号",
                    "effect_months": 6,
                },
            ),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        """Take a step of the decision's procedure. The body names it, gives the decision version read, and what
        it needs (listed under `available_transitions`). A refused call changes nothing."""
        name = validated(ds.DecisionTransitionNameInput, request.data)["transition"]
        data = validated(ds.DECISION_TRANSITION_INPUTS[name], request.data)
        del data["transition"]
        decision = services.DECISION_SERVICES[name](decision_id=pk, actor=request.user, **data)
        return decision_response(request, decision.pk)


@extend_schema(tags=["decisions"])
class DecisionEvents(generics.ListAPIView):
    """The decision's procedure, oldest first, with each event's place in the chain and its hash."""

    serializer_class = ds.DecisionEventSerializer
    orderings = {"seq": ("seq",), "-seq": ("-seq",)}

    def get_queryset(self) -> Any:
        return decision_selectors.decision_events(self.request.user, self.kwargs["pk"])
