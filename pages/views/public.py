"""/public/ (公示): the register the public reads without an account, on a phone as well as anywhere.

What it shows is public by the workflow's own rules: explanations once published (workflows.machine.PUBLISHED_STATES),
tickets under listed supervision (挂牌督办, public by definition), evidence the unit chose to publish, and figures per
unit. It never names a person: the queries below read only the columns the page prints (`.values()`), and a test
looks at every page for the names, phone numbers and usernames on file.

No cookie is set or needed: the pages are rendered without the request (no session, no CSRF token, no header of the
signed-in pages), so a shared cache may keep them (Cache-Control: public), and each server process keeps them for
CACHE_SECONDS too (cache_page, keyed by the address with its query string), so a busy day costs one rendering a
minute per page and address. Each answer carries an ETag, and a browser that asks again with it is answered 304
without the page (conditional_page, outside the cache so it answers from the kept page too).

The feedback form is protected instead by the API's own throttle, a honeypot field and a signed timestamp that must
be a few seconds old.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import conditional_page, require_GET, require_POST

from api.throttles import FeedbackNoticeThrottle, FeedbackThrottle, client_fingerprint
from pages.diagram import short_label
from tracker import dashboard, services
from tracker.errors import Invalid, NotFound
from tracker.models import Dimension, Evidence, Feedback, Rating, Ticket, Unit, Verdict, Verification
from workflows.machine import OPEN_STATES, PUBLISHED_STATES, TicketState
from workflows.models import RectificationClass

PAGE_SIZE = 20
CACHE_SECONDS = 60
# The feedback form's signed timestamp: older than this it is refused as scripted, younger than the age as stale.
FEEDBACK_MIN_SECONDS = 3
FEEDBACK_MAX_AGE = 2 * 24 * 3600
SIGNER_SALT = "public-feedback"
# What the register reads of a ticket: nothing else ever reaches these pages.
NOTICE_COLUMNS = (
    *("id", "number", "state", "rectification_class", "lead_unit_id", "lead_unit__name", "finding__description"),
    *("finding__indicator__name", "finding__indicator__dimension", "explanation", "closure_plan", "closure_plan_date"),
    *("assigned_on", "due_on", "stage_deadline", "progress", "listed", "published_on", "closed_on"),
)
LISTED_LIMIT = 20


def _language(request: HttpRequest) -> str:
    """Chinese unless the address asks for English: the language is in the URL, so a cache keeps both apart."""
    return "en" if request.GET.get("lang") == "en" else settings.LANGUAGE_CODE


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        context = {**context, "lang": language, "en": language == "en"}
        response = HttpResponse(render_to_string(template, context), status=status)
    response["Content-Language"] = language
    if status == 200:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    else:
        patch_cache_control(response, no_cache=True)
    return response


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["state_label"] = short_label(TicketState(row["state"]).label)
    row["dimension_label"] = short_label(Dimension(row["finding__indicator__dimension"]).label)
    row["class_label"] = short_label(RectificationClass(row["rectification_class"]).label)
    row["published"] = row["state"] in PUBLISHED_STATES
    row["progress_step"] = row["progress"] // 10
    return row


def _public_tickets() -> Any:
    return Ticket.objects.filter(Q(state__in=PUBLISHED_STATES) | Q(listed=True, state__in=OPEN_STATES))


def _unit_figures_html(language: str) -> str:
    """Every unit's public figures, from the cockpit's precomputed rows, as the register's table: the same on every
    page and filter of the register, so rendered once per refresh of the figures and language."""
    run = dashboard.latest_run()
    key = f"public-unit-figures:{run.refreshed_at.isoformat() if run else 'none'}:{language}"
    html = cache.get(key)
    if html is None:
        lines = [line for line in dashboard.public_unit_figures() if line.flows.closed or line.stocks.open]
        lines.sort(key=lambda line: line.name)
        figures = [
            (
                line,
                None if line.flows.satisfaction is None else round(100 * line.flows.satisfaction),
                None if line.flows.on_time_rate is None else round(100 * line.flows.on_time_rate),
            )
            for line in lines
        ]
        with translation.override(language):
            html = render_to_string("pages/_public_unit_figures.html", {"figures": figures, "en": language == "en"})
        cache.set(key, html, settings.DASHBOARD_FIGURES_SECONDS)
    return mark_safe(html)  # noqa: S308


@require_GET
@conditional_page
@cache_page(CACHE_SECONDS)
def register(request: HttpRequest) -> HttpResponse:
    published = Ticket.objects.filter(state__in=PUBLISHED_STATES)
    chosen = {"unit": "", "dimension": "", "state": ""}
    raw_unit = request.GET.get("unit") or ""
    if raw_unit.isdigit():
        published = published.filter(lead_unit_id=int(raw_unit))
        chosen["unit"] = raw_unit
    if request.GET.get("dimension") in Dimension.values:
        chosen["dimension"] = request.GET["dimension"]
        published = published.filter(finding__indicator__dimension=chosen["dimension"])
    if request.GET.get("state") in PUBLISHED_STATES:
        chosen["state"] = request.GET["state"]
        published = published.filter(state=chosen["state"])
    after = request.GET.get("after") or ""
    if after.isdigit():
        published = published.filter(pk__lt=int(after))
    rows = [_labelled(r) for r in published.order_by("-pk").values(*NOTICE_COLUMNS)[: PAGE_SIZE + 1]]
    listed = [
        _labelled(r)
        for r in Ticket.objects.filter(listed=True, state__in=OPEN_STATES)
        .order_by("stage_deadline", "pk")
        .values(*NOTICE_COLUMNS)[:LISTED_LIMIT]
    ]
    context = {
        "rows": rows[:PAGE_SIZE],
        "next_after": rows[PAGE_SIZE - 1]["id"] if len(rows) > PAGE_SIZE else None,
        "listed": listed,
        "figures_html": _unit_figures_html(_language(request)),
        "units": list(Unit.objects.order_by("path").values_list("pk", "name")),
        "dimensions": [(v, short_label(label)) for v, label in Dimension.choices],
        "states": [(s, short_label(TicketState(s).label)) for s in PUBLISHED_STATES],
        "chosen": chosen,
        "filtered": any(chosen.values()),
        "paged": bool(after),
    }
    return _page(request, "pages/public_register.html", context)


def _notice(ticket_id: int) -> dict[str, Any]:
    row = _public_tickets().filter(pk=ticket_id).values(*NOTICE_COLUMNS).first()
    if row is None:
        raise Http404
    return _labelled(row)


def _notice_context(ticket_id: int) -> dict[str, Any]:
    row = _notice(ticket_id)
    ratings = {
        r["rating"]: r["n"]
        for r in Feedback.objects.filter(ticket_id=ticket_id).values("rating").annotate(n=Count("pk")).order_by()
    }
    total = sum(ratings.values())
    good = ratings.get(Rating.SATISFIED, 0) + ratings.get(Rating.BASICALLY_SATISFIED, 0)
    evidence = list(
        Evidence.objects.filter(ticket_id=ticket_id, public=True)
        .order_by("pk")
        .values("id", "name", "size", "uploaded_at")
        if row["published"]
        else []
    )
    verified = (
        Verification.objects.filter(ticket_id=ticket_id, verdict=Verdict.PASSED)
        .order_by("-pk")
        .values_list("created_at", flat=True)
        .first()
        if row["state"] in (TicketState.VERIFIED, TicketState.CLOSED)
        else None
    )
    signer = signing.TimestampSigner(salt=SIGNER_SALT)
    return {
        "t": row,
        "evidence": evidence,
        "verified_at": verified,
        "ratings": [(value, short_label(label), ratings.get(value, 0)) for value, label in Rating.choices],
        "ratings_total": total,
        "satisfaction": round(100 * good / total) if total else None,
        "token": signer.sign(str(ticket_id)),
        "choices": [(value, short_label(label)) for value, label in Rating.choices],
    }


@require_GET
@conditional_page
@cache_page(CACHE_SECONDS)
def notice(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        context = _notice_context(ticket_id)
    except Http404:
        return _page(request, "pages/public_missing.html", {}, status=404)
    context["thanks"] = request.GET.get("thanks") == "1"
    return _page(request, "pages/public_notice.html", context)


def _form_age(token: str, ticket_id: int) -> float | None:
    """Seconds since the form was rendered for this ticket, or None when the token is not ours or too old."""
    signer = signing.TimestampSigner(salt=SIGNER_SALT)
    try:
        if signer.unsign(token, max_age=FEEDBACK_MAX_AGE) != str(ticket_id):
            return None
        stamp = signing.b62_decode(token.split(signer.sep)[-2])
    except (signing.BadSignature, ValueError, IndexError):
        return None
    return dt.datetime.now(dt.UTC).timestamp() - stamp


def _thanks(request: HttpRequest, ticket_id: int) -> HttpResponse:
    url = reverse("public-notice", args=[ticket_id]) + "?thanks=1" + ("&lang=en" if _language(request) == "en" else "")
    return HttpResponseRedirect(url + "#feedback", status=303)


@csrf_exempt  # no cookie on the register: the throttle, the honeypot and the signed timestamp stand instead
@require_POST
def feedback(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """群众评价 from the register's form, through the same service and throttle as the API."""
    view = SimpleNamespace(kwargs={"pk": ticket_id})
    throttles = [FeedbackThrottle(), FeedbackNoticeThrottle()]
    refusing = [throttle for throttle in throttles if not throttle.allow_request(request, view)]
    if refusing:
        response = _refused(
            request, ticket_id, _("Too many ratings from your connection. Please try again later."), 429
        )
        response["Retry-After"] = str(int(max(throttle.wait() or 1 for throttle in refusing)))
        return response
    if request.POST.get("website"):
        return _thanks(request, ticket_id)  # the honeypot: a person never sees the field; say nothing to the script
    age = _form_age(request.POST.get("t", ""), ticket_id)
    if age is None or age < FEEDBACK_MIN_SECONDS:
        return _refused(
            request,
            ticket_id,
            _("The form was sent too quickly or has expired. Please read the notice and send it again."),
            400,
        )
    try:
        services.feedback_give(
            ticket_id=ticket_id,
            rating=request.POST.get("rating", ""),
            comment=request.POST.get("comment", ""),
            client=client_fingerprint(request),
        )
    except NotFound:
        return _page(request, "pages/public_missing.html", {}, status=404)
    except Invalid as invalid:
        return _refused(request, ticket_id, " ".join(m for ms in invalid.errors.values() for m in ms), 400)
    return _thanks(request, ticket_id)


def _refused(request: HttpRequest, ticket_id: int, message: str, status: int) -> HttpResponse:
    try:
        context = _notice_context(ticket_id)
    except Http404:
        return _page(request, "pages/public_missing.html", {}, status=404)
    context["refusal"] = message
    return _page(request, "pages/public_notice.html", context, status=status)


@require_GET
def evidence_file(request: HttpRequest, ticket_id: int, evidence_id: int) -> HttpResponse:
    """A file the unit chose to publish with its explanation."""
    evidence = Evidence.objects.filter(
        pk=evidence_id, ticket_id=ticket_id, public=True, ticket__state__in=PUBLISHED_STATES
    ).first()
    if evidence is None:
        raise Http404
    response = FileResponse(evidence.file.open("rb"), filename=evidence.name)
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response
