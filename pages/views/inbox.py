"""/inbox/: the person's messages, unread first; opening one marks it read; how they are told (the language of
their messages and their channels)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors as inbox_selectors
from notifications import services as inbox_services
from pages import actions, forms, reads


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    preference = inbox_selectors.preference_of(user)
    form = forms.PreferenceForm(
        request.POST or None,
        initial={
            "language": preference.language,
            "email": preference.email,
            "sms": preference.sms,
            "phone": preference.phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        refusal = actions.attempt(lambda: inbox_services.notification_preference_set(user=user, **form.cleaned_data))
        if refusal is None:
            messages.success(request, _("Your preferences are saved."))
            return redirect("inbox")
        for key, texts in refusal.errors.items():
            for text in texts:
                form.add_error(key if key in form.fields else None, text)
    rows = reads.inbox(user)
    return render(
        request,
        "pages/inbox.html",
        {"rows": rows, "form": form, "unread": sum(n.read_at is None for n in rows), "site": settings.SITE_URL},
        status=400 if form.errors else 200,
    )


@login_required
def inbox_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Open a message: it is marked read, and the person goes where it points."""
    notification = inbox_selectors.inbox_for(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404
    inbox_services.notification_mark_read(user=request.user, notification=notification)
    if notification.ticket_id:
        return redirect("ticket-detail", ticket_id=notification.ticket_id)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = inbox_services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(n)s messages marked read.") % {"n": marked})
    return redirect("inbox")
