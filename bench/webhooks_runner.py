"""The webhooks benchmark: how fast `campaign worker` delivers webhook calls to a fast receiver
on loopback, and what a subscribed endpoint costs confirmations.

1. Confirmations: pending signatures confirmed one after another (confirm_signature and its
   commit, as the confirmation page runs them, without the page around them), with no
   endpoint, then with one endpoint on loopback answering in 50 ms, `campaign worker` running
   throughout, alternating rounds so the machine's load weighs on both alike.
2. Delivery: deliveries queued for one endpoint whose receiver answers at once; the rate is
   what the worker sustains from the first call the receiver sees to the last. Every delivery
   id must arrive exactly once.

Run it through `bench/webhooks`; every process it starts is its own child, stopped at the end;
all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.runner import DEFAULT_POSTGRES, ROOT, bulk_insert_signatures, free_port, wait_until

DELIVERY_TARGET = 200  # calls a second
CONFIRMING_TOLERANCE = 0.10  # a subscribed endpoint may cost confirmations at most this much


class Receiver:
    def __init__(self, delay: float):
        self.delay = delay
        self.ids: Counter[str] = Counter()
        self.first: float | None = None
        self.last: float | None = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    now = time.perf_counter()
                    receiver.first = receiver.first or now
                    receiver.last = now
                    receiver.ids[self.headers["X-Campaign-Delivery"]] += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/webhooks", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--confirmations", type=int, default=1000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    return parser.parse_args(argv)


def database(args: argparse.Namespace, tmp: Path):
    """The database URL, and what drops it afterwards."""
    if args.db == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(args.postgres_url)
    name = f"campaign_webhooks_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "campaign", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def confirming_rate(app, petition_id: int, number: int, tag: str) -> float:
    """Confirmations a second, each its own transaction, over `number` new pending ones."""
    from sqlalchemy import select

    from campaign.extensions import db
    from campaign.models import Signature, utcnow
    from campaign.petitions.signing import confirm_signature

    with app.app_context():
        bulk_insert_signatures(db.session, petition_id, number, tag, confirmed=False)
        db.session.commit()
        public_ids = db.session.scalars(
            select(Signature.public_id).where(Signature.email.like(f"{tag}-%"))
        ).all()
        started = time.perf_counter()
        for public_id in public_ids:
            confirm_signature(db.session, public_id, now=utcnow())
            db.session.commit()
        return len(public_ids) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="webhooks-bench-"))
    url, drop = database(args, tmp)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "CAMPAIGN_ENV": "development",  # the development mailbox: no SMTP needed
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "BASE_URL": "http://127.0.0.1:1",
        "WEBHOOKS_ALLOW_HTTP": "1",
    }
    os.environ.update(env)
    processes: list[subprocess.Popen] = []
    receivers: list[Receiver] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "campaign", "db", "upgrade"], env=env, check=True, cwd=ROOT
        )
        from sqlalchemy import delete, insert

        from campaign import create_app
        from campaign.extensions import db
        from campaign.integrations.endpoints import add_endpoint
        from campaign.integrations.events import encode, forget_subscriptions
        from campaign.models import (
            Campaign,
            CampaignText,
            Petition,
            PetitionText,
            WebhookDelivery,
            WebhookEndpoint,
            utcnow,
        )

        app = create_app()
        with app.app_context():
            campaign = Campaign(slug="bench", status="published", default_locale="en")
            campaign.texts = [CampaignText(locale="en", title="Bench", body="Bench")]
            petition = Petition(slug="bench", status="open", default_locale="en", signature_count=0)
            petition.campaign = campaign
            petition.texts = [PetitionText(locale="en", title="Bench", body="Bench")]
            db.session.add(campaign)
            db.session.commit()
            petition_id = petition.id

        # 1. Confirmations without and with a subscribed endpoint answering in 50 ms.
        slow = Receiver(delay=0.05)
        receivers.append(slow)
        without, with_endpoint = [], []
        # The worker runs throughout, as in any deployment: without an endpoint it only polls.
        worker = start_worker(env)
        processes.append(worker)
        for round_number in range(args.rounds):
            without.append(
                confirming_rate(app, petition_id, args.confirmations, f"off{round_number}")
            )
            with app.app_context():
                add_endpoint(
                    db.session,
                    f"http://127.0.0.1:{slow.port}/hooks",
                    "signature.confirmed",
                    petition_slug=None,
                    allow_http=True,
                    base_url=env["BASE_URL"],
                    actor_id=None,
                    origin=None,
                )
                db.session.commit()
            with_endpoint.append(
                confirming_rate(app, petition_id, args.confirmations, f"on{round_number}")
            )
            with app.app_context():
                db.session.execute(delete(WebhookDelivery))
                db.session.execute(delete(WebhookEndpoint))
                db.session.commit()
                forget_subscriptions(db.session)
        stop(worker)
        processes.remove(worker)
        best_without, best_with = max(without), max(with_endpoint)

        # 2. Delivery to a fast receiver.
        fast = Receiver(delay=0)
        receivers.append(fast)
        with app.app_context():
            endpoint, _secret = add_endpoint(
                db.session,
                f"http://127.0.0.1:{fast.port}/hooks",
                "petition.closed",
                petition_slug=None,
                allow_http=True,
                base_url=env["BASE_URL"],
                actor_id=None,
                origin=None,
            )
            body = encode({"identifier": "campaign:petition:bench", "status": "closed"})
            now = utcnow()
            db.session.execute(
                insert(WebhookDelivery),
                [
                    {
                        "endpoint_id": endpoint.id,
                        "event": "petition.closed",
                        "delivery_id": str(uuid.uuid4()),
                        "body": body,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for _ in range(args.deliveries)
                ],
            )
            db.session.commit()
        worker = start_worker(env)
        processes.append(worker)
        wait_until(
            "every delivery received",
            lambda: sum(fast.ids.values()) >= args.deliveries,
            timeout=max(120, args.deliveries / 20),
        )
        rate = (args.deliveries - 1) / (fast.last - fast.first)
        twice = sum(1 for n in fast.ids.values() if n > 1)
        result = {
            "database": args.db,
            "confirmations_per_second_without_webhooks": round(best_without, 1),
            "confirmations_per_second_with_a_50ms_endpoint": round(best_with, 1),
            "confirming_cost": round(1 - best_with / best_without, 3),
            "deliveries": args.deliveries,
            "deliveries_per_second": round(rate, 1),
            "delivered_twice": twice,
        }
        print(json.dumps(result, indent=2))
        ok = (
            rate >= DELIVERY_TARGET
            and twice == 0
            and len(fast.ids) == args.deliveries
            and best_with >= best_without * (1 - CONFIRMING_TOLERANCE)
        )
        print(
            "PASS" if ok else "FAIL",
            f"(target: {DELIVERY_TARGET} calls/s, confirming within {CONFIRMING_TOLERANCE:.0%})",
        )
        return 0 if ok else 1
    finally:
        for process in processes:
            stop(process)
        for receiver in receivers:
            receiver.stop()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
