"""Who receives a message: people found by role along the unit tree, with the channels and the language each of
them chose.

Escalation follows the tree, not a fixed group: a supervision slip goes to the supervisors of the nearest unit
above the late one that has supervisors. A Directory is built for one sweep (or one task) and remembers what it
has looked up, so a batch of tickets in the same units costs one query per unit and role.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from notifications.models import Channel, UnitWebhook
from tracker.models import Membership, Unit
from workflows.machine import Role


@dataclass(frozen=True)
class Audience:
    """The holders of one role in one unit."""

    unit_id: int
    role: str
    user_ids: tuple[int, ...]

    def __bool__(self) -> bool:
        return bool(self.user_ids)


# What a person's messages need to know of them: their email address and their preference (none without a row).
PERSON_FIELDS = (
    "email",
    "notification_preference__email",
    "notification_preference__sms",
    "notification_preference__phone",
    "notification_preference__language",
)


def message_language(chosen: str | None) -> str:
    """The language of a message to someone who chose `chosen`: their choice while the site offers it, otherwise
    (no preference row, or a language since withdrawn) the site's own, Simplified Chinese."""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def ancestors(path: str) -> list[int]:
    """A unit's id and its ancestors' ids from its materialised path, nearest first."""
    return [int(part) for part in reversed(path.strip("/").split("/")) if part]


class Directory:
    def __init__(self) -> None:
        self._members: dict[tuple[int, str], Audience] = {}
        self._channels: dict[int, tuple[str, ...]] = {}
        self._languages: dict[int, str] = {}
        self._paths: dict[int, str] = {}
        self._webhooks: dict[int, tuple[tuple[int, str], ...]] = {}

    def remember_unit(self, unit: Unit) -> None:
        self._paths[unit.pk] = unit.path

    def path_of(self, unit_id: int) -> str:
        if unit_id not in self._paths:
            self._paths[unit_id] = Unit.objects.values_list("path", flat=True).get(pk=unit_id)
        return self._paths[unit_id]

    def members(self, unit_id: int, role: str) -> Audience:
        """The active users holding `role` in the unit itself (not its ancestors)."""
        key = (unit_id, role)
        if key not in self._members:
            rows = (
                Membership.objects.filter(unit_id=unit_id, role=role, user__is_active=True)
                .order_by("user_id")
                .values_list("user_id", *(f"user__{name}" for name in PERSON_FIELDS))
            )
            self._members[key] = Audience(unit_id, role, tuple(self._remember(*row) for row in rows))
        return self._members[key]

    def person(self, unit_id: int, role: str, user_id: int) -> Audience:
        """One named person (a decision's subject), with their own channels and language."""
        if user_id not in self._languages:
            for row in get_user_model().objects.filter(pk=user_id).values_list("pk", *PERSON_FIELDS):
                self._remember(*row)
        return Audience(unit_id, role, (user_id,))

    def _remember(
        self,
        user_id: int,
        email: str,
        wants_email: bool | None,
        wants_sms: bool | None,
        phone: str | None,
        language: str | None,
    ) -> int:
        channels = [Channel.INAPP]
        if email and wants_email is not False:  # no preference row: email is on by default
            channels.append(Channel.EMAIL)
        if wants_sms and phone:
            channels.append(Channel.SMS)
        self._channels[user_id] = tuple(channels)
        self._languages[user_id] = message_language(language)
        return user_id

    def first_of(self, unit_id: int, *roles: str) -> Audience | None:
        """The holders of the first of `roles` that anyone holds in the unit (e.g. officers, else the head)."""
        for role in roles:
            audience = self.members(unit_id, role)
            if audience:
                return audience
        return None

    def nearest(self, unit_id: int, role: str, *, above: bool = False) -> Audience | None:
        """The holders of `role` in the nearest unit on the way up (from the unit itself, or from its parent)."""
        chain = ancestors(self.path_of(unit_id))
        for ancestor in chain[1:] if above else chain:
            audience = self.members(ancestor, role)
            if audience:
                return audience
        return None

    def channels(self, user_id: int) -> tuple[str, ...]:
        return self._channels.get(user_id, (Channel.INAPP,))

    def language(self, user_id: int) -> str:
        """The language the user reads their messages in (their preference; Simplified Chinese by default)."""
        return self._languages.get(user_id) or message_language(None)

    def webhooks(self, unit_id: int) -> tuple[tuple[int, str], ...]:
        """(id, language) of each active webhook of the unit."""
        if unit_id not in self._webhooks:
            rows = UnitWebhook.objects.filter(unit_id=unit_id, active=True).order_by("pk").values_list("pk", "language")
            self._webhooks[unit_id] = tuple((pk, message_language(language)) for pk, language in rows)
        return self._webhooks[unit_id]

    def supervisors(self) -> list[tuple[int, str, tuple[str, ...]]]:
        """Every active supervisor: (user id, path of the unit they supervise, their channels)."""
        found = []
        for unit_id, path in (
            Membership.objects.filter(role=Role.SUPERVISOR, user__is_active=True)
            .values_list("unit_id", "unit__path")
            .distinct()
        ):
            self._paths[unit_id] = path
            for user_id in self.members(unit_id, Role.SUPERVISOR).user_ids:
                found.append((user_id, path, self.channels(user_id)))
        return found
