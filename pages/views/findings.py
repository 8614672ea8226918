"""/findings/new/: an assessor or supervisor logs a finding; its ticket is assigned with the policy's deadline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pages import actions, forms, reads
from tracker.models import Indicator
from tracker.permissions import OVERSIGHT_ROLES
from tracker.stats import units_in_charge


@login_required
def finding_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not reads.roles_of(user) & set(OVERSIGHT_ROLES) and not user.is_superuser:
        raise PermissionDenied(_("Only assessors and supervisors log findings."))
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


def _date(value) -> str:
    from django.utils.formats import date_format

    return date_format(value)
