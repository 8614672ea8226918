"""Signing in for a token, and who the caller is."""

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

from api.inputs import TokenInput
from api.parsers import FormParser, JSONParser
from api.serializers import MeSerializer, TokenSerializer
from api.throttles import AuthThrottle
from api.views.base import validated
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
