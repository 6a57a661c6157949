#!/usr/bin/env python3
"""The reference point of bench/smtpd.py: a bare aiosmtpd that commits each message to
PostgreSQL (one INSERT of the bytes, autocommit: one statement and one commit a message),
with nothing else (no Django, no blob, no task, no idempotency). Started by
`bench/smtpd.py --server bare`; like `supportdesk smtpd --processes N`, N processes share
the port with SO_REUSEPORT.

    .venv/bin/python bench/smtpd_bare.py --bind 127.0.0.1:2600 --processes 2 \\
        --postgres-url postgres://postgres@127.0.0.1:5432/sd_smtpspeed_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

TABLE = "bare_mail"


class BareHandler:
    def __init__(self, url: str) -> None:
        self.url = url
        self.local = threading.local()
        self.executor = ThreadPoolExecutor(8)

    def _insert(self, raw: bytes) -> int:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(self.url, autocommit=True)
        row = conn.execute(
            f"INSERT INTO {TABLE} (raw) VALUES (%s) RETURNING id",  # noqa: S608
            [raw],
        ).fetchone()
        assert row is not None
        return int(row[0])

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        try:
            mail_id = await asyncio.get_running_loop().run_in_executor(
                self.executor, self._insert, envelope.original_content
            )
        except Exception:
            return "451 4.3.0 Temporary failure"
        return f"250 2.0.0 Accepted as {mail_id}"


class ReusePortController(Controller):
    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, reuse_port=True
        )

    def _trigger_server(self) -> None:
        self.loop.call_soon_threadsafe(self._factory_invoker)


def serve(host: str, port: int, url: str) -> None:
    controller = ReusePortController(
        BareHandler(url), hostname=host, port=port, data_size_limit=64 * 1024 * 1024
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--postgres-url", required=True)
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(":")
    with psycopg.connect(args.postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, raw bytea)")
    children = []
    for _ in range(args.processes):
        pid = os.fork()
        if pid == 0:
            serve(host, int(port), args.postgres_url)
            os._exit(0)
        children.append(pid)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    for pid in children:
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
