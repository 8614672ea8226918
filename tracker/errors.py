"""The typed refusals a service raises. Each names why; none leaves anything changed behind it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ServiceError(Exception):
    """Base of every refusal. `code` is stable and machine-readable; the message is for people."""

    code = "error"

    def __init__(self, message: str, *, ticket: Any = None, **context: Any) -> None:
        """`ticket`: the ticket refused, as the service read it; its state and version go into the context."""
        super().__init__(message)
        self.message = message
        self.ticket = ticket
        if ticket is not None:
            context = {"state": ticket.state, "version": ticket.version, **context}
        self.context = context


class NotFound(ServiceError):
    """The object does not exist, or the actor may not see it: the two are indistinguishable on purpose."""

    code = "not_found"


class Forbidden(ServiceError):
    """The actor can see the object but holds no role that may do this."""

    code = "forbidden"


class InvalidTransition(ServiceError):
    """The ticket's state does not allow this transition."""

    code = "invalid_transition"


class StaleVersion(ServiceError):
    """The ticket changed since the actor read it (the version they sent is not the current one)."""

    code = "stale_version"


class Invalid(ServiceError):
    """The input is missing or wrong; `errors` maps each field to its messages."""

    code = "invalid"

    def __init__(self, errors: Mapping[str, list[str] | str], message: str | None = None) -> None:
        self.errors = {field: [m] if isinstance(m, str) else list(m) for field, m in errors.items()}
        super().__init__(message or "; ".join(f"{f}: {' '.join(m)}" for f, m in self.errors.items()))


class Conflict(ServiceError):
    """The request collides with the ticket's situation (a pending request already, a deadline passed …)."""

    code = "conflict"
