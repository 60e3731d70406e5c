"""The webhooks benchmark: what a subscribed endpoint costs signing and confirming over HTTP, and
how fast `campaign worker` delivers webhook calls to a fast receiver on loopback.

The platform runs as bench/run starts it (bench.runner.Bench: production mode, gunicorn, the SMTP
sink, `campaign worker`), with WEBHOOKS_ALLOW_HTTP=1 so that a loopback http:// endpoint is
allowed.

1. Signing and confirming: the "sign" and "confirm" scenarios of bench/run, in alternating
   rounds: without an endpoint, then with one subscribed to signature.confirmed whose receiver
   answers in 50 ms (added with `campaign webhooks add`, left alone until every app process has
   read it, removed with its deliveries after the round). With the endpoint, each flow must keep
   at least 90 % of its rate without; every confirmation must have queued one delivery; then
   bench/run's loss checks.
2. Delivery: deliveries queued for one endpoint whose receiver answers at once; the rate is
   what the worker sustains from the first call the receiver sees to the last. Every delivery
   id must arrive exactly once.

Run it through `bench/webhooks` (see docs/integrations.md). Every process it starts is its own
child, stopped at the end; every wait is bounded; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.runner import (
    DEFAULT_POSTGRES,
    Bench,
    count_rows,
    ensure_wrk,
    free_port,
    machine_load,
    server_description,
    wait_until,
)
from bench.stats import ScenarioResult, check_line, combine_rounds, format_result

DELIVERY_TARGET = 200  # calls a second
TOLERANCE = 0.10  # a subscribed endpoint may cost signing and confirming at most this much
SLOW_RECEIVER_SECONDS = 0.05
FLOWS = ("sign", "confirm")
# The worker claims an endpoint for one batch of deliveries (campaign.integrations.delivery);
# at 50 ms a call it lets go of the slow one within this long.
RELEASE_SECONDS = 60


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
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def calls(self) -> int:
        return sum(self.ids.values())

    @property
    def repeated(self) -> int:
        """Delivery ids received more than once."""
        return sum(1 for n in self.ids.values() if n > 1)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/webhooks", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="without, then with the endpoint")
    parser.add_argument("--duration", type=int, default=5, help="seconds per scenario and round")
    parser.add_argument("--deliveries", type=int, default=5000, help="to the fast receiver")
    parser.add_argument("--concurrency", type=int, default=16, help="connections at once")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    args.rounds = max(args.rounds, 1)
    # What bench.runner.Bench reads: one app server as gunicorn.conf.py sets it, these flows.
    args.two_servers, args.redis_url = False, None
    args.server = "gunicorn"
    args.workers = args.worker_class = args.threads = None
    args.scenarios, args.viral_duration = list(FLOWS), 0
    return args


def flow_rate(result: ScenarioResult) -> float:
    """Complete flows a second: signatures accepted, or confirmations."""
    done = result.confirmed if result.name == "confirm" else result.accepted
    return done / result.seconds if result.seconds else 0.0


class WebhooksBench(Bench):
    """The viral-day benchmark's platform, allowed to call an http:// endpoint on loopback."""

    def __init__(self, args: argparse.Namespace):
        super().__init__(args)
        self.env["WEBHOOKS_ALLOW_HTTP"] = "1"

    def describe(self) -> str:
        return (
            f"campaign webhooks bench {self.run_id}: {self.args.db}, "
            f"{server_description(self.args)}; {os.cpu_count()} CPUs, {machine_load()}; "
            f"{self.args.concurrency} connections; {self.args.rounds} round(s) of "
            f"{self.args.duration} s per scenario"
        )

    # --- endpoints --------------------------------------------------------------------------

    def add_endpoint(self, url: str, event: str) -> int:
        """As an operator adds one; its id."""
        output = self.campaign("webhooks", "add", "--url", url, "--events", event)
        return int(output.split()[1])  # "webhook 3 added for ...; its signing secret:"

    def remove_endpoint(self, endpoint_id: int) -> int:
        """Pause the endpoint, wait until the worker lets go of it, delete it and its
        deliveries (which the worker would otherwise update under our feet); how many
        deliveries it had."""
        from sqlalchemy import delete

        from campaign.extensions import db
        from campaign.integrations.endpoints import set_paused
        from campaign.models import WebhookDelivery, WebhookEndpoint

        with self.app.app_context():
            endpoint = db.session.get(WebhookEndpoint, endpoint_id)
            set_paused(db.session, endpoint, True, actor_id=None, origin=None)
            db.session.commit()

            def released() -> bool:
                leased = count_rows(
                    WebhookEndpoint,
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.leased_until.isnot(None),
                )
                db.session.remove()
                return leased == 0

            wait_until("the worker to let go of the endpoint", released, RELEASE_SECONDS)
            queued = count_rows(WebhookDelivery, WebhookDelivery.endpoint_id == endpoint_id)
            db.session.execute(
                delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
            )
            db.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
            db.session.commit()
            db.session.remove()
        return queued

    # --- 1. signing and confirming without and with an endpoint -----------------------------

    def with_and_without(self, receiver: Receiver) -> list[tuple[bool, str]]:
        from campaign.integrations.events import SIGNATURE_CONFIRMED, SUBSCRIPTIONS_SECONDS

        # Each app process reads the subscriptions again after SUBSCRIPTIONS_SECONDS: after
        # this long, all of them know of an endpoint added or removed.
        settle = SUBSCRIPTIONS_SECONDS + 1
        rounds: dict[tuple[str, bool], list[ScenarioResult]] = {
            (flow, hooked): [] for flow in FLOWS for hooked in (False, True)
        }
        queued = 0
        for _ in range(self.args.rounds):
            for hooked in (False, True):
                if hooked:
                    endpoint_id = self.add_endpoint(receiver.url, SIGNATURE_CONFIRMED)
                    time.sleep(settle)
                for flow in FLOWS:
                    rounds[flow, hooked].append(self.run_scenario(flow, self.args.duration))
                    time.sleep(1)
                if hooked:
                    queued += self.remove_endpoint(endpoint_id)
                    time.sleep(settle)
        checks = []
        for flow in FLOWS:
            without = combine_rounds(rounds[flow, False])
            with_endpoint = combine_rounds(rounds[flow, True])
            print(f"no endpoint     {format_result(without, None)}", flush=True)
            print(f"50 ms endpoint  {format_result(with_endpoint, None)}", flush=True)
            rate_without, rate_with = flow_rate(without), flow_rate(with_endpoint)
            share = rate_with / rate_without if rate_without else 0.0
            ok = share >= 1 - TOLERANCE
            detail = (
                f"{rate_with:.0f}/s with a 50 ms endpoint, {rate_without:.0f}/s without: "
                f"{share:.0%} (at least {1 - TOLERANCE:.0%})"
            )
            checks.append((ok, check_line(f"{flow} with a subscribed endpoint", ok, detail)))
        confirmed = sum(result.confirmed for result in rounds["confirm", True])
        ok = queued == confirmed
        detail = (
            f"{confirmed} confirmed with the endpoint subscribed, {queued} deliveries queued; "
            f"the 50 ms receiver got {receiver.calls} calls meanwhile, "
            f"{receiver.repeated} ids more than once"
        )
        checks.append((ok, check_line("every confirmation queued one delivery", ok, detail)))
        return checks

    # --- 2. delivery to a fast receiver -----------------------------------------------------

    def delivery(self, receiver: Receiver, count: int) -> list[tuple[bool, str]]:
        from sqlalchemy import insert

        from campaign.extensions import db
        from campaign.integrations.events import PETITION_CLOSED, encode
        from campaign.models import WebhookDelivery, utcnow

        endpoint_id = self.add_endpoint(receiver.url, PETITION_CLOSED)
        body = encode({"identifier": f"campaign:petition:{self.petition_slug}", "status": "closed"})
        with self.app.app_context():
            now = utcnow()
            db.session.execute(
                insert(WebhookDelivery),
                [
                    {
                        "endpoint_id": endpoint_id,
                        "event": PETITION_CLOSED,
                        "delivery_id": str(uuid.uuid4()),
                        "body": body,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for _ in range(count)
                ],
            )
            db.session.commit()
            db.session.remove()
        wait_until("every delivery received", lambda: receiver.calls >= count, max(120, count / 20))
        rate = (count - 1) / (receiver.last - receiver.first) if count > 1 else 0.0
        ok_rate = rate >= DELIVERY_TARGET
        detail = f"{count} deliveries at {rate:.0f} calls/s (target >= {DELIVERY_TARGET})"
        once = receiver.repeated == 0 and len(receiver.ids) == count
        detail_once = f"{len(receiver.ids)} of {count} ids received, {receiver.repeated} twice"
        return [
            (ok_rate, check_line("webhook delivery rate, fast receiver", ok_rate, detail)),
            (once, check_line("every delivery id received exactly once", once, detail_once)),
        ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_wrk()
    slow, fast = Receiver(delay=SLOW_RECEIVER_SECONDS), Receiver(delay=0)
    try:
        with WebhooksBench(args) as bench:
            bench.prepare()
            print(bench.describe(), flush=True)
            bench.warm_up()
            checks = bench.with_and_without(slow)
            print(f"machine after the scenarios: {machine_load()}", flush=True)
            checks += bench.loss_checks()
            checks += bench.delivery(fast, args.deliveries)
            print(f"machine at the end: {machine_load()}", flush=True)
            for _ok, line in checks:
                print(line, flush=True)
    finally:
        slow.stop()
        fast.stop()
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
