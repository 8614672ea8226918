"""The caller's in-app inbox: list it (newest first, `?unread=true` for unread only), count the unread, mark read.

Thin views over notifications.selectors (what is the caller's) and notifications.services (marking read). Nobody
sees anyone else's messages: another user's notification answers 404, as one that does not exist.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import read_boolean
from notifications import selectors, services
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "link",
            "ticket",
            "ticket_number",
            "stage",
            "deadline",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


UnreadSerializer = inline_serializer("NotificationUnread", {"unread": serializers.IntegerField()})
MarkedSerializer = inline_serializer(
    "NotificationsMarked", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
)


class _Inbox(generics.GenericAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        unread = read_boolean(self.request.query_params, "unread") if self.request.method == "GET" else None
        return selectors.inbox_for(self.request.user, unread_only=bool(unread))


@extend_schema(tags=["notifications"])
class NotificationList(_Inbox, generics.ListAPIView):
    """The caller's in-app messages: reminders, chases, supervision slips and what they must act on next."""

    orderings = {"-id": ("-id",)}

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description=str(_("Only messages not yet read.")))]
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["notifications"])
class NotificationUnreadCount(_Inbox):
    """How many of the caller's in-app messages are unread (the badge)."""

    @extend_schema(responses={200: UnreadSerializer})
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(request.user)})


@extend_schema(tags=["notifications"])
class NotificationRead(_Inbox):
    """Mark one of the caller's messages read."""

    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        notification = services.notification_mark_read(user=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)


@extend_schema(tags=["notifications"])
class NotificationReadAll(_Inbox):
    """Mark all of the caller's messages read."""

    @extend_schema(request=None, responses={200: MarkedSerializer})
    def post(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})


urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="notification-list"),
    path("notifications/unread-count/", NotificationUnreadCount.as_view(), name="notification-unread-count"),
    path("notifications/read-all/", NotificationReadAll.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", NotificationRead.as_view(), name="notification-read"),
]
