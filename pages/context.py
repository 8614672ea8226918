"""What every page's header shows: who is signed in, their units and roles, and their unread messages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from notifications.selectors import unread_count
from pages import reads


def header(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = reads.roles_of(user)
    return {
        "me_name": reads.person(user),
        "me_units": reads.memberships_line(user),
        "me_unread": unread_count(user),
        "me_assesses": "assessor" in roles or "supervisor" in roles or user.is_superuser,
        "me_staff": user.is_staff,
    }
