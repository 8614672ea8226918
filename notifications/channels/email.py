"""Email through Django's email backend (SMTP in production).

The Message-ID is derived from the row, so a message sent again after a crash can be recognised as the same one.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.channels import PermanentError, TemporaryError
from notifications.models import Notification


def message_id(notification: Notification) -> str:
    domain = (settings.DEFAULT_FROM_EMAIL or "").rpartition("@")[2].strip(">") or "zhenggai.localhost"
    return f"<zhenggai-notification-{notification.pk}@{domain}>"


def send(notification: Notification) -> None:
    address = notification.recipient.email if notification.recipient else ""
    if not address:
        raise PermanentError("the recipient has no email address")
    body = notification.body + (f"\n\n{notification.link}" if notification.link else "")
    message = EmailMessage(
        subject=notification.subject,
        body=body,
        to=[address],
        headers={"Message-ID": message_id(notification), "X-Zhenggai-Notification": str(notification.pk)},
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _message in exc.recipients.values()]
        error = f"recipient refused: {exc.recipients}"
        raise (PermanentError(error) if all(code >= 500 for code in codes) else TemporaryError(error)) from exc
    except smtplib.SMTPResponseException as exc:
        error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        raise (PermanentError(error) if exc.smtp_code >= 500 else TemporaryError(error)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryError(f"SMTP unavailable: {exc}") from exc
