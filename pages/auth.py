"""Signing in: the client address django-axes counts failures against, and the page a locked-out person sees."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from api.throttles import client_ip


def client_address(request: HttpRequest) -> str:
    """The client, as the API's throttles see it: the socket's address, or the trusted proxies' X-Forwarded-For
    entry (TRUSTED_PROXY_COUNT), so a forged header cannot buy more attempts."""
    return client_ip(request)


def locked_out(request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None) -> HttpResponse:
    """django-axes refused the sign-in: a 429 saying when to try again, in the person's language."""
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "locked_out",
                "detail": _("Too many failed sign-ins. Try again after %(time)s.") % {"time": until.strftime("%H:%M")},
                "retry_after": int(settings.AXES_COOLOFF_TIME.total_seconds()),
            },
            status=429,
        )
    page = render(
        request,
        "pages/errors/locked_out.html",
        {"until": until, "minutes": int(settings.AXES_COOLOFF_TIME / dt.timedelta(minutes=1))},
        status=429,
    )
    page["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return page
