"""A real Celery worker (`celery -A config worker`) in a subprocess, on the test database, and a private Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from tests.notifications.helpers import closed_port

ROOT = Path(settings.BASE_DIR)


def tests_database_url() -> str:
    """The URL of the database pytest-django made (test_<name>), for processes outside this one."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, timeout: float, what: str, interval: float = 0.2, tick=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        if tick is not None:
            tick()
        time.sleep(interval)


class Worker:
    """`celery -A config worker` consuming one queue, with its own process group so it can be killed whole."""

    def __init__(self, *, broker: str, queue: str, env: dict[str, str], concurrency: int = 2) -> None:
        self.broker, self.queue, self.concurrency = broker, queue, concurrency
        self.env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": tests_database_url(),
            "REDIS_URL": broker,
            "CELERY_QUEUE": queue,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "LOG_LEVEL": "INFO",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self, timeout: float = 60) -> Worker:
        command = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("-Q", self.queue, "-n", f"{self.queue}@%h", "-c", str(self.concurrency), "-l", "info"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        self.output = []
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        wait_for(lambda: any(" ready." in line for line in self.output), timeout, "the worker to be ready")
        return self

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.output.append(line)

    def kill(self) -> None:
        """SIGKILL the whole worker: the main process and its pool, mid-whatever they are doing."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return "".join(self.output[-80:])


def forget_queue(url: str, queue: str) -> None:
    """Remove what this test's queue left in a shared Redis: its list, its binding, its unacknowledged messages."""
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    for tag, payload in client.hgetall("unacked").items():
        if queue.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.close()


class PrivateRedis:
    """A redis-server of the test's own on a free port, which the test may stop and start again."""

    def __init__(self) -> None:
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: self._pings(client), 20, "the private Redis")
        client.close()
        return self

    @staticmethod
    def _pings(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
