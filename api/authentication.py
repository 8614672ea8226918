"""Token authentication (`Authorization: Token …`) with the token and its user read in one written-out statement.

DRF's TokenAuthentication asks the ORM for the token joined to its user, compiled anew on every request; this reads
the same row through tracker.rows. The header's parsing is DRF's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from tracker.rows import JoinedRow

TOKEN_WITH_USER = JoinedRow(
    Token,
    {"user": [field.name for field in get_user_model()._meta.concrete_fields if not field.primary_key]},
)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        token = TOKEN_WITH_USER.get(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
