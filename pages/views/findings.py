"""/findings/new/: an assessor or supervisor logs a finding; its ticket is assigned with the policy's deadline.
/findings/import/: many findings at once from the spreadsheet template, all or none (tracker.services.imports)."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from pages import actions, forms, reads
from tracker.models import Appraisal, Indicator
from tracker.permissions import OVERSIGHT_ROLES
from tracker.services import import_template
from tracker.services.imports import COLUMNS, ImportRejected
from tracker.sheets import XLSX_CONTENT_TYPE
from tracker.stats import units_in_charge

TEMPLATE_LANGUAGES = ("zh-hans", "en")
LISTED = ImportRejected.MAX_LISTED
# What kind of problem each code of tracker.services.imports names, as the report's "problem" column says it.
PROBLEM_KINDS = {
    "missing_column": pgettext_lazy("import problem", "Column missing"),
    "missing": pgettext_lazy("import problem", "Required field empty"),
    "too_long": pgettext_lazy("import problem", "Too long"),
    "unknown_appraisal": pgettext_lazy("import problem", "Unknown appraisal"),
    "ambiguous_appraisal": pgettext_lazy("import problem", "Appraisal name shared"),
    "unknown_indicator": pgettext_lazy("import problem", "Unknown indicator"),
    "unknown_unit": pgettext_lazy("import problem", "Unknown unit"),
    "ambiguous_unit": pgettext_lazy("import problem", "Unit name shared"),
    "forbidden_unit": pgettext_lazy("import problem", "Unit not in your charge"),
    "bad_choice": pgettext_lazy("import problem", "Not an allowed value"),
    "bad_date": pgettext_lazy("import problem", "Bad date"),
    "duplicate": pgettext_lazy("import problem", "Duplicate row"),
    "formula": pgettext_lazy("import problem", "Formula"),
    "empty": pgettext_lazy("import problem", "No findings"),
    "invalid": pgettext_lazy("import problem", "Not accepted"),
}


def _require_assessor(request: HttpRequest) -> None:
    if not reads.roles_of(request.user) & set(OVERSIGHT_ROLES) and not request.user.is_superuser:
        raise PermissionDenied(_("Only assessors and supervisors log findings."))


@login_required
def finding_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_assessor(request)
    kwargs = {
        "indicators": Indicator.objects.select_related("appraisal").order_by("appraisal__name", "code"),
        "units": units_in_charge(user).order_by("path"),
    }
    form = forms.FindingForm(request.POST or None, **kwargs)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["co_units"] = list(data["co_units"])
            ticket, refusal = actions.log_finding(actor=user, **data)
            if refusal is None and ticket is not None:
                messages.success(
                    request,
                    _("Ticket %(number)s is assigned to %(unit)s, due %(due)s.")
                    % {"number": ticket.number, "unit": ticket.lead_unit.name, "due": _date(ticket.due_on)},
                )
                return redirect("ticket-detail", ticket_id=ticket.pk)
            for key, texts in (refusal.errors if refusal else {}).items():
                for text in texts:
                    form.add_error(key if key in form.fields else None, text)
    return render(request, "pages/finding_new.html", {"form": form}, status=status)


@login_required
def findings_import(request: HttpRequest) -> HttpResponse:
    """Upload the filled-in template. The whole file is checked first: a refusal lists every bad row and column and
    writes nothing; a clean file is imported in one transaction; the same file again creates nothing and says so."""
    _require_assessor(request)
    posted = request.method == "POST"
    form = forms.FindingsImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        appraisals=Appraisal.objects.order_by("-period_start", "name"),
    )
    context: dict = {"form": form, "columns": COLUMNS, "max_rows": settings.IMPORT_MAX_ROWS}
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            result, refusal = actions.import_findings(
                actor=request.user, file=form.cleaned_data["file"], appraisal=form.cleaned_data["appraisal"]
            )
            if refusal is None and result is not None:
                context["result"] = result
                context["file_name"] = form.cleaned_data["file"].name
                context["form"] = forms.FindingsImportForm(
                    initial={"appraisal": form.cleaned_data["appraisal"]}, appraisals=form.fields["appraisal"].queryset
                )
                status = 200
            elif refusal is not None:
                context["file_name"] = form.cleaned_data["file"].name
                # The service's words: how many problems, or why the file cannot be read at all (not an .xlsx, too
                # large, a zip bomb, merged headings …), or that the person may not import.
                context["refused"] = [text for texts in refusal.errors.values() for text in texts]
                context["problems"] = [(p, PROBLEM_KINDS.get(p.code, p.code)) for p in refusal.problems[:LISTED]]
                context["problem_count"] = len(refusal.problems)
                context["problem_rows"] = len({p.row for p in refusal.problems})
    return render(request, "pages/findings_import.html", context, status=status)


@login_required
def findings_import_template(request: HttpRequest) -> FileResponse:
    """The template to fill in, from the same service as the API's: Chinese headings, or English with ?lang=en."""
    _require_assessor(request)
    language = request.GET.get("lang") or ""
    if language not in TEMPLATE_LANGUAGES:
        language = "en" if (translation.get_language() or "").startswith("en") else "zh-hans"
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    import_template.findings_template(actor=request.user, language=language, dest=spool)
    spool.seek(0)
    with translation.override(language):
        name = translation.gettext("findings-template") + ".xlsx"
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _date(value) -> str:
    from django.utils.formats import date_format

    return date_format(value)
