"""Public notices (公示): what the public may read without an account.

A ticket is published once its unit has explained it (explained, verified or closed). Anything else does not exist
here, exactly as a ticket outside a user's scope does not exist for that user.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tracker.errors import NotFound
from tracker.models import Ticket
from tracker.services.activity import PUBLISHED_STATES


def notices() -> QuerySet[Ticket]:
    return Ticket.objects.filter(state__in=PUBLISHED_STATES).select_related(
        "lead_unit", "finding", "finding__indicator"
    )


def notice_get(ticket_id: int) -> Ticket:
    notice = notices().filter(pk=ticket_id).first()
    if notice is None:
        raise NotFound(_("No published explanation has this number."))
    return notice
