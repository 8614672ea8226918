"""Throttles that hold under concurrency: a fixed-window counter incremented atomically in the throttle cache.

DRF's stock throttles read a request history, append and write it back, so a burst of parallel requests can all
read the same history and all pass. Here every request increments one counter (Redis INCR, or the local-memory
cache's locked increment) and only the first `limit` in a window get through.

Who the client is: the socket's address, unless TRUSTED_PROXY_COUNT says how many proxies of ours append to
X-Forwarded-For; then the address those proxies saw. A header the client writes itself is never believed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Each trusted proxy appends the address it received the request from; the client is the entry our outermost
    # proxy appended, `proxies` places from the right. Entries further left are whatever the client sent.
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_fingerprint(request) -> str:
    """A keyed hash of the client's address: enough to tell clients apart, without storing the address."""
    return hmac.new(settings.SECRET_KEY.encode(), client_ip(request).encode(), hashlib.sha256).hexdigest()


def parse_rate(rate: str) -> tuple[int, int]:
    """A rate such as 30/hour as (requests, seconds): (30, 3600). ValueError if it is not one."""
    count, _slash, period = rate.partition("/")
    seconds = _PERIODS.get(period.strip()[:1].lower())
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"not a rate like 30/hour: {rate!r}")
    return int(count), seconds


class WindowThrottle(BaseThrottle):
    """At most `limit` requests per `period` seconds for each key, counted in fixed windows."""

    scope: str = ""

    def key_parts(self, request, view) -> tuple[str, ...]:
        return (client_ip(request),)

    def allow_request(self, request, view) -> bool:
        limit, period = parse_rate(api_settings.DEFAULT_THROTTLE_RATES[self.scope])
        now = time.time()
        window = int(now // period)
        key = ":".join((self.scope, *self.key_parts(request, view), str(window)))
        cache = caches[settings.API_THROTTLE_CACHE]
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the window expired between add and incr
            cache.add(key, 0, timeout=period + 1)
            count = cache.incr(key)
        self._wait = (window + 1) * period - now
        return count <= limit

    def wait(self) -> float | None:
        return max(1.0, self._wait)


class AuthThrottle(WindowThrottle):
    """Password guessing on the token endpoint, per client."""

    scope = "auth"


class FeedbackThrottle(WindowThrottle):
    """Public feedback from one client over all notices."""

    scope = "feedback"


class FeedbackNoticeThrottle(WindowThrottle):
    """Public feedback from one client on one notice."""

    scope = "feedback_notice"

    def key_parts(self, request, view) -> tuple[str, ...]:
        return (client_ip(request), str(view.kwargs.get("pk", "")))
