"""Webhooks: a generic signed JSON post, and the group-robot formats of WeCom, DingTalk and Feishu.

Generic receivers verify `X-Zhenggai-Signature: sha256=<hex>`, the HMAC-SHA256 under the webhook's secret of
`<X-Zhenggai-Timestamp>.<raw body>` (see `verify`), and drop repeats by `X-Zhenggai-Delivery`, which stays the
same when a delivery interrupted by a crash is sent again.

A 5xx, 408 or 429 answer, a timeout or a refused connection is temporary; any other 4xx is permanent, and so is a
robot's non-zero error code unless it means "too many messages".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from notifications.channels import PermanentError, TemporaryError
from notifications.models import Notification, UnitWebhook, WebhookFlavour

SIGNATURE_HEADER = "X-Zhenggai-Signature"
TIMESTAMP_HEADER = "X-Zhenggai-Timestamp"
DELIVERY_HEADER = "X-Zhenggai-Delivery"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_RESPONSE_BYTES = 64 * 1024
# Robot error codes that mean "slow down" rather than "this will never work".
RATE_LIMITED: dict[str, set[int]] = {
    WebhookFlavour.WECOM: {45009},
    WebhookFlavour.DINGTALK: {130101, 410100},
    WebhookFlavour.FEISHU: {9499, 11232},
}


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None) -> bool:
    """What a receiver of the generic format checks: the signature, and that the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= SIGNATURE_TOLERANCE_SECONDS and hmac.compare_digest(sign(secret, timestamp, body), signature)


def _json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _plain(n: Notification) -> str:
    return "\n".join(part for part in (n.subject, n.body, n.link) if part)


def _markdown(n: Notification) -> str:
    lines = [f"**{n.subject}**", *(f"> {line}" for line in n.body.splitlines())]
    if n.link:
        lines.append(f"[{n.link}]({n.link})")
    return "\n".join(lines)


def generic(n: Notification, hook: UnitWebhook, now: float) -> Outgoing:
    body = _json(
        {
            "id": n.pk,
            "kind": n.kind,
            "subject": n.subject,
            "body": n.body,
            "link": n.link,
            "ticket": n.ticket_id,
            "stage": n.stage,
            "deadline": n.deadline.isoformat(),
            "step": n.step,
            "created_at": n.created_at.isoformat(),
        }
    )
    timestamp = str(int(now))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        DELIVERY_HEADER: str(n.pk),
        TIMESTAMP_HEADER: timestamp,
    }
    if hook.secret:
        headers[SIGNATURE_HEADER] = sign(hook.secret, timestamp, body)
    return Outgoing(hook.url, body, headers)


def wecom(n: Notification, hook: UnitWebhook, now: float) -> Outgoing:
    body = _json({"msgtype": "markdown", "markdown": {"content": _markdown(n)[:4000]}})
    return Outgoing(hook.url, body, {"Content-Type": "application/json"})


def dingtalk(n: Notification, hook: UnitWebhook, now: float) -> Outgoing:
    """加签: timestamp (ms) and base64 HMAC-SHA256 of "<timestamp>\\n<secret>" under the secret, in the query."""
    url = hook.url
    if hook.secret:
        timestamp = str(int(now * 1000))
        digest = hmac.new(hook.secret.encode(), f"{timestamp}\n{hook.secret}".encode(), hashlib.sha256).digest()
        query = urllib.parse.urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest).decode()})
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    body = _json({"msgtype": "markdown", "markdown": {"title": n.subject[:60], "text": _markdown(n)}})
    return Outgoing(url, body, {"Content-Type": "application/json"})


def feishu(n: Notification, hook: UnitWebhook, now: float) -> Outgoing:
    """签名校验: timestamp (s) and base64 HMAC-SHA256 of nothing under the key "<timestamp>\\n<secret>", in the body."""
    payload: dict = {"msg_type": "text", "content": {"text": _plain(n)}}
    if hook.secret:
        timestamp = str(int(now))
        digest = hmac.new(f"{timestamp}\n{hook.secret}".encode(), b"", hashlib.sha256).digest()
        payload = {"timestamp": timestamp, "sign": base64.b64encode(digest).decode(), **payload}
    return Outgoing(hook.url, _json(payload), {"Content-Type": "application/json"})


FORMATS: dict[str, Callable[[Notification, UnitWebhook, float], Outgoing]] = {
    WebhookFlavour.GENERIC: generic,
    WebhookFlavour.WECOM: wecom,
    WebhookFlavour.DINGTALK: dingtalk,
    WebhookFlavour.FEISHU: feishu,
}


def post(outgoing: Outgoing) -> tuple[int, bytes]:
    request = urllib.request.Request(outgoing.url, data=outgoing.body, headers=outgoing.headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(MAX_RESPONSE_BYTES)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise TemporaryError(f"{outgoing.url}: {getattr(exc, 'reason', exc)}") from exc


def _robot_error(flavour: str, content: bytes) -> tuple[int, str] | None:
    """A group robot answers 200 with an error code in the body: (code, message), or None on success."""
    try:
        answer = json.loads(content or b"{}")
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code in (0, None):
        return None
    return int(code), str(answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or "")


def send(notification: Notification) -> None:
    hook = notification.webhook
    if hook is None or not hook.active:
        raise PermanentError("the webhook was removed or switched off")
    status, content = post(FORMATS[hook.flavour](notification, hook, time.time()))
    summary = f"HTTP {status}: {content[:300].decode(errors='replace')}"
    if status >= 500 or status in (408, 429):
        raise TemporaryError(summary)
    if status >= 300:
        raise PermanentError(summary)
    if hook.flavour != WebhookFlavour.GENERIC:
        error = _robot_error(hook.flavour, content)
        if error is not None:
            code, message = error
            text = f"robot error {code}: {message}"
            raise TemporaryError(text) if code in RATE_LIMITED[hook.flavour] else PermanentError(text)
