"""The public portal's API (公示 and 群众评价): no account, published explanations only, throttled feedback."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import NoticeFilter
from api.inputs import FeedbackInput
from api.serializers import FeedbackReceiptSerializer, PublicNoticeSerializer
from api.serializers.decisions import PublicDecisionSerializer
from api.throttles import FeedbackNoticeThrottle, FeedbackThrottle, client_fingerprint
from api.views.base import validated
from tracker import decision_selectors, notices, services


class PublicView(generics.GenericAPIView):
    """No authentication at all: a session or token sent along changes nothing and is not even read."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


@extend_schema(tags=["public"], auth=[])
class NoticeList(PublicView, generics.ListAPIView):
    """Published explanations: what each unit did about a problem, or why not yet and by when."""

    serializer_class = PublicNoticeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NoticeFilter
    orderings = {"-id": ("-id",), "id": ("id",), "-published_on": ("-published_on", "-id")}

    def get_queryset(self) -> Any:
        return notices.notices()


@extend_schema(tags=["public"], auth=[])
class NoticeDetail(PublicView):
    serializer_class = PublicNoticeSerializer

    def get(self, request: Request, pk: int) -> Response:
        return Response(PublicNoticeSerializer(notices.notice_get(pk)).data)


@extend_schema(tags=["public"], auth=[])
class NoticeFeedback(PublicView):
    """Rate a published explanation: satisfied, basically satisfied or dissatisfied (满意 / 基本满意 / 不满意)."""

    throttle_classes = [FeedbackThrottle, FeedbackNoticeThrottle]
    serializer_class = FeedbackReceiptSerializer

    @extend_schema(request=FeedbackInput, responses={201: FeedbackReceiptSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(FeedbackInput, request.data)
        feedback = services.feedback_give(ticket_id=pk, client=client_fingerprint(request), **data)
        return Response(FeedbackReceiptSerializer(feedback).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["public"], auth=[])
class PublicDecisionList(PublicView, generics.ListAPIView):
    """Published decisions (公开通报): the unit, the kind of measures and when; no personal data."""

    serializer_class = PublicDecisionSerializer

    def get_queryset(self) -> Any:
        return decision_selectors.decisions_published()
