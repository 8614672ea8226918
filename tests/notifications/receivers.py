"""Local servers the delivery tests send to: an HTTP receiver and an SMTP server (aiosmtpd), both on 127.0.0.1.

Each records what arrived. They run in threads of the test process, so a Celery worker in another process can
reach them too.
"""

from __future__ import annotations

import email
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.notifications.helpers import closed_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class HttpReceiver:
    """Answers POSTs: each path answers its scripted statuses (or (status, body)) in turn, then 200, after `delay`
    seconds."""

    script: dict[str, list[int | tuple[int, bytes]]] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.split("?", 1)[0]
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body, time.time()))
                    statuses = receiver.script.get(path) or []
                    answer = statuses.pop(0) if statuses else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, payload = answer if isinstance(answer, tuple) else (answer, b'{"errcode":0,"errmsg":"ok"}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]


class _Mailbox:
    """Accepts mail, except for addresses that start with "refused" (550) or "busy" (451)."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.by_recipient: dict[str, int] = defaultdict(int)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append(message)
        for address in envelope.rcpt_tos:
            self.by_recipient[address] += 1
        return "250 Message accepted for delivery"


class SmtpReceiver:
    def __init__(self) -> None:
        self.mailbox = _Mailbox()
        self.port = closed_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[email.message.Message]:
        return self.mailbox.messages
