"""One place that turns every refusal into a JSON body: {"code", "detail", ...}.

The tracker's typed refusals map onto HTTP statuses here, once: NotFound 404, Forbidden 403, InvalidTransition and
StaleVersion 409 (with the ticket's state, version and what the caller may do instead), Conflict 409, Invalid 400 with
field errors. DRF's own exceptions get the same envelope, so a client reads every error the same way.

Two more map here: a lost or refused database connection (PostgreSQL restarting, failing over) is a 503 the client
may retry — the transaction it interrupted was rolled back whole, and the next request reconnects (CONN_HEALTH_CHECKS)
— and a date beyond what the working-day calendar serves is a 400.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from api.exceptions import PayloadTooLarge
from tracker import decision_selectors, selectors
from tracker import errors as tracker_errors
from workflows import calendar

RETRY_AFTER_SECONDS = 2  # how soon a client may try again after a 503

_TRACKER_STATUS = {
    tracker_errors.NotFound: status.HTTP_404_NOT_FOUND,
    tracker_errors.Forbidden: status.HTTP_403_FORBIDDEN,
    tracker_errors.InvalidTransition: status.HTTP_409_CONFLICT,
    tracker_errors.StaleVersion: status.HTTP_409_CONFLICT,
    tracker_errors.Conflict: status.HTTP_409_CONFLICT,
    tracker_errors.Invalid: status.HTTP_400_BAD_REQUEST,
}


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as {"field": [...], "milestones.0.title": [...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]} if messages else {}


def _ticket_conflict_body(request: Any, exc: tracker_errors.ServiceError) -> dict[str, Any]:
    """What the caller needs to recover from a 409 on a ticket or a decision: its state, version and the
    transitions they may fire now, from the object as the refusing service read it (a refusal changes nothing, so
    it is current)."""
    decision = exc.context.get("decision")
    if decision is not None:
        transitions = decision_selectors.decision_transitions_available(request.user, decision)
        return {
            "state": decision.state,
            "version": decision.version,
            "available_transitions": [spec.name for spec in transitions],
        }
    ticket = exc.ticket
    if ticket is None:
        return {"state": None, "version": None, "available_transitions": []}
    return {
        "state": ticket.state,
        "version": ticket.version,
        "available_transitions": [spec.name for spec in selectors.transitions_available(request.user, ticket)],
    }


def _body(code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": str(detail), **extra}


def _bad_request(code: str, detail: Any, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Every 400 names what is wrong by field; a body that could not be read at all is a non-field error."""
    return _body(code, detail, errors=errors or {"non_field_errors": [str(detail)]})


@csrf_exempt  # it changes nothing, so a POST gets the same 404, not a CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Anything under /api/ that no route matches: a JSON 404 like every other, not Django's HTML page."""
    return JsonResponse(_body("not_found", _("Not found.")), status=status.HTTP_404_NOT_FOUND)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    headers: dict[str, str] = {}

    if isinstance(exc, tracker_errors.ServiceError):
        status_code = _TRACKER_STATUS.get(type(exc), status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, tracker_errors.Invalid):
            # A refusal that says more than "some fields" (a spreadsheet's problems) brings its summary and details.
            summary = getattr(exc, "summary", None) or _("Some fields are not valid.")
            data = {**_bad_request(exc.code, summary, exc.errors), **exc.context}
        elif status_code == status.HTTP_409_CONFLICT:
            data = _body(exc.code, exc.message, **_ticket_conflict_body(request, exc))
        else:
            data = _body(exc.code, exc.message)
    elif isinstance(exc, (OperationalError, InterfaceError)):
        status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        data = _body("unavailable", _("The service is briefly unavailable; try again in a moment."))
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif isinstance(exc, calendar.OutOfRange):
        status_code = status.HTTP_400_BAD_REQUEST
        data = _bad_request(
            "date_out_of_range",
            _("The date lies beyond what the working-day calendar serves (%(first)s to %(last)s).")
            % {"first": calendar.FIRST_DAY, "last": calendar.LAST_DAY},
        )
    elif isinstance(exc, Http404):
        status_code, data = status.HTTP_404_NOT_FOUND, _body("not_found", _("Not found."))
    elif isinstance(exc, RequestDataTooBig):
        status_code, data = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, _body("too_large", PayloadTooLarge.default_detail)
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        status_code, data = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, _body("too_large", str(exc))
    elif isinstance(exc, SuspiciousOperation):
        status_code, data = (
            status.HTTP_400_BAD_REQUEST,
            _bad_request("bad_request", _("The request could not be read.")),
        )
    elif isinstance(exc, exceptions.ValidationError):
        status_code = status.HTTP_400_BAD_REQUEST
        data = _bad_request("invalid", _("Some fields are not valid."), flatten_errors(exc.detail))
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        data = _bad_request(code, exc.detail) if status_code == 400 else _body(code, exc.detail)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    else:
        return None

    set_rollback()
    return Response(data, status=status_code, headers=headers)
