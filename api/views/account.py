"""Signing in for a token, who the caller is, and how they are told (the language of their messages, channels)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.inputs import PreferenceInput, TokenInput
from api.parsers import FormParser, JSONParser
from api.serializers import MeSerializer, PreferenceSerializer, TokenSerializer
from api.throttles import AuthThrottle
from api.views.base import validated
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from tracker import selectors


@extend_schema(tags=["account"])
class TokenCreate(APIView):
    """Exchange a username and password for the caller's API token (send it as `Authorization: Token <key>`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=TokenInput, responses={200: TokenSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = validated(TokenInput, request.data)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("Unable to sign in with these credentials.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


@extend_schema(tags=["account"])
class Me(APIView):
    """The caller: their units and the role they hold in each."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(selectors.user_with_memberships(request.user)).data)


@extend_schema(tags=["account"])
class MePreferences(APIView):
    """How the caller is told: the language every message to them is written in (Simplified Chinese until they
    choose), and whether they also want email and SMS. Switching the pages' language does not change it."""

    @extend_schema(responses={200: PreferenceSerializer})
    def get(self, request: Request) -> Response:
        return Response(PreferenceSerializer(notification_selectors.preference_of(request.user)).data)

    @extend_schema(request=PreferenceInput, responses={200: PreferenceSerializer})
    def patch(self, request: Request) -> Response:
        data = validated(PreferenceInput, request.data)
        preference = notification_services.notification_preference_set(user=request.user, **data)
        return Response(PreferenceSerializer(preference).data)
