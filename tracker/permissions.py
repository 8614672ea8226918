"""Who may do what, from unit memberships.

Officers and heads act for their own unit. Assessors and supervisors act over the subtree of the unit they are
members of: a supervisor of the city supervises every county and department under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from workflows.machine import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tracker.models import Ticket, Unit

UNIT_ROLES = (Role.OFFICER, Role.HEAD)
OVERSIGHT_ROLES = (Role.ASSESSOR, Role.SUPERVISOR)


def memberships_of(user: User) -> list[tuple[int, str, str]]:
    """(unit id, unit path, role) for each of the user's memberships, read once per user object: every
    permission check of a request asks for them. The same statement reads the units' names for the page header
    (membership_unit_names)."""
    from tracker.models import Membership

    cached = getattr(user, "_memberships", None)
    if cached is None:
        rows = (
            list(
                Membership.objects.filter(user=user.pk)
                .order_by("id")
                .values_list("unit_id", "unit__path", "role", "unit__name")
            )
            if user.is_authenticated
            else []
        )
        cached = [(unit_id, path, role) for unit_id, path, role, _name in rows]
        user._memberships = cached  # type: ignore[attr-defined]
        user._membership_unit_names = {unit_id: name for unit_id, _path, _role, name in rows}  # type: ignore[attr-defined]
    return cached


def membership_unit_names(user: User) -> dict[int, str]:
    """The names of the units the user is a member of, by id (read with memberships_of)."""
    memberships_of(user)
    return getattr(user, "_membership_unit_names", {})


def units_overseen_by(user: User) -> list[int]:
    """Ids of the units in the subtrees the user oversees as assessor or supervisor, read once per user object.

    A scope names these units outright rather than matching ticket units by path through a join, so that
    PostgreSQL's planner can weigh each of them against its statistics (a county with few tickets among many)."""
    from tracker.models import Unit

    cached = getattr(user, "_overseen", None)
    if cached is None:
        paths = [path for _unit_id, path, role in memberships_of(user) if role in OVERSIGHT_ROLES]
        within = Q(pk__in=[])
        for path in paths:
            within |= Q(path__startswith=path)
        cached = list(Unit.objects.filter(within).order_by("id").values_list("id", flat=True)) if paths else []
        user._overseen = cached  # type: ignore[attr-defined]
    return cached


def forget_memberships(user: User) -> None:
    """Drop what memberships_of and units_overseen_by remember, after a membership changes."""
    user.__dict__.pop("_memberships", None)
    user.__dict__.pop("_membership_unit_names", None)
    user.__dict__.pop("_overseen", None)


def roles_in_unit(user: User, unit: Unit) -> set[str]:
    """The roles the user holds over `unit`: own-unit roles there, oversight roles there or above."""
    roles = set()
    for unit_id, path, role in memberships_of(user):
        if role in UNIT_ROLES and unit_id == unit.pk or role in OVERSIGHT_ROLES and unit.path.startswith(path):
            roles.add(role)
    return roles


def roles_on(user: User, ticket: Ticket) -> set[str]:
    return roles_in_unit(user, ticket.lead_unit)


def co_unit_of(user: User, ticket: Ticket) -> Unit | None:
    """The ticket's co-unit (协办单位) the user works in (officer or head), or None: its people see the ticket and
    report on their part, but fire none of the lead unit's transitions."""
    own = {unit_id for unit_id, _, role in memberships_of(user) if role in UNIT_ROLES}
    if not own:
        return None
    return next((unit for unit in ticket.co_units.all() if unit.pk in own), None)


def belongs_to(user: User, unit: Unit) -> bool:
    """Whether the user works in the unit (officer or head), as opposed to overseeing it."""
    return any(unit_id == unit.pk and role in UNIT_ROLES for unit_id, _, role in memberships_of(user))


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or any(r == Role.ADMIN for *_, r in memberships_of(user))))
