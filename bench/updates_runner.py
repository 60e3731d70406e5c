"""The updates benchmark: a petition with a million signers who asked to be kept informed, one
update to them all. Measures queuing it (time, peak memory of the process doing it), delivery by
`campaign worker` to a loopback SMTP sink against a bare smtplib loop, and a worker killed with
SIGKILL in the middle of an update.

Run it through `bench/updates` (see docs/performance.md). Every process it starts is its own
child, stopped at the end; every wait is bounded; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import signal
import smtplib
import subprocess
import sys
import time
from collections import Counter

from bench.runner import (
    DEFAULT_POSTGRES,
    ROOT,
    Bench,
    bulk_insert_signatures,
    count_rows,
    machine_load,
    wait_until,
)
from bench.stats import check_line, delivery_tally, queued_from_output

QUEUE_SECONDS_TARGET = 60
QUEUE_MEMORY_TARGET_MB = 200
DELIVERY_TARGET = 300  # emails a second
# The lease of the worker killed in the middle: its claimed emails come back this soon.
KILL_LEASE_SECONDS = 5
WORKER_BATCH = 50  # `campaign worker --batch`: the emails one worker leases at a time
MESSAGE = (
    "Subject: The petition is on the minister's desk\n\n"
    "Thank you for signing. We delivered the petition this morning, with **every** signature.\n\n"
    "What happens next: the ministry has three weeks to answer. We will write again when it "
    "does, and tell you how to [follow the debate](https://example.org/debate).\n"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/updates",
        description="Queue and deliver one update to a petition's signers; print figures.",
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--signers", type=int, default=1_000_000, help="recipients of the update")
    parser.add_argument(
        "--deliver-emails",
        type=int,
        default=20_000,
        help="delivery is timed over this many emails (or --deliver-seconds), per measurement",
    )
    parser.add_argument("--deliver-seconds", type=int, default=60, help="longest delivery window")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="worker processes to measure"
    )
    parser.add_argument(
        "--kill-signers", type=int, default=20_000, help="recipients of the SIGKILL update"
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    # What bench.runner.Bench reads and this benchmark does not use.
    args.two_servers, args.redis_url = False, None
    return args


class UpdatesBench(Bench):
    """Database and SMTP sink from the viral-day benchmark; no app server."""

    def __init__(self, args: argparse.Namespace):
        super().__init__(args)
        self.campaign_id = 0
        self._sink_offset = 0
        self.received: Counter[str] = Counter()

    def prepare(self) -> None:
        self.env.update(
            {
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
                ),
                "CAMPAIGN_ENV": "production",
                "SECRET_KEY": os.urandom(32).hex(),
                "MAIL_URL": f"smtp://127.0.0.1:{self.sink_port}",
                "MAIL_FROM": "Campaigns <campaigns@bench.example>",
                "DATABASE_URL": self.database_url(),
                "BASE_URL": "https://petitions.bench.example",
            }
        )
        self.env.pop("REDIS_URL", None)
        os.environ.update(self.env)
        for command in (["translations", "compile"], ["db", "upgrade"], ["demo"]):
            self.campaign(*command)
        from campaign import create_app

        self.app = create_app()
        self.pick_petition()
        with self.app.app_context():
            from campaign.extensions import db
            from campaign.models import Petition

            self.campaign_id = db.session.get(Petition, self.petition_id).campaign_id
            db.session.remove()
        (self.tmp / "update.md").write_text(MESSAGE, encoding="utf-8")
        # Not niced: the sink stands for a mail server, which does not share the workers' CPUs.
        self.start_sink(niceness=0)

    # --- seeding and queuing ----------------------------------------------------------------

    def seed(self, count: int, tag: str) -> tuple[str, float]:
        """A new open petition with `count` confirmed signers who opted in; its slug and the
        seconds it took."""
        from sqlalchemy import text

        from campaign.extensions import db
        from campaign.models import Petition, PetitionText

        slug = f"bench-update-{tag}"
        started = time.monotonic()
        with self.app.app_context():
            petition = Petition(
                campaign_id=self.campaign_id,
                slug=slug,
                status="open",
                texts=[PetitionText(locale="en", title="Updates benchmark", body="", target="X")],
            )
            db.session.add(petition)
            db.session.commit()
            bulk_insert_signatures(db.session, petition.id, count, tag, True, newsletter=True)
            db.session.execute(
                Petition.__table__.update()
                .where(Petition.id == petition.id)
                .values(signature_count=count)
            )
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            db.session.remove()
        return slug, time.monotonic() - started

    def queue(self, slug: str) -> tuple[int, float, float, str]:
        """`campaign updates send ... --yes`, which queues every batch before it exits: (emails
        queued, seconds, peak RSS in MB of that process, its output)."""
        command = [sys.executable, "-m", "campaign", "updates", "send", "--petition", slug]
        command += ["--message-file", f"en={self.tmp / 'update.md'}", "--yes"]
        out = open(self.tmp / f"queue-{slug}.log", "w+b")  # noqa: SIM115 (closed below)
        started = time.monotonic()
        process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=out, stderr=out)
        # wait4 gives this very child's peak RSS (ru_maxrss, KiB on Linux) once it has exited.
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
        out.close()
        if process.returncode != 0:
            raise RuntimeError(f"campaign updates send failed:\n{output}")
        return queued_from_output(output), seconds, usage.ru_maxrss / 1024, output

    # --- delivery ---------------------------------------------------------------------------

    def read_sink(self) -> int:
        """Add the recipients the sink logged since the last read; how many there are now."""
        if self.sink_log.exists():
            with self.sink_log.open("rb") as log:
                log.seek(self._sink_offset)
                chunk = log.read()
            complete = chunk.rfind(b"\n") + 1  # a line being written is read next time
            self._sink_offset += complete
            self.received.update(chunk[:complete].decode().split())
        return self.received.total()

    def start_workers(self, count: int, **env: str) -> list[subprocess.Popen]:
        command = [sys.executable, "-m", "campaign", "worker", "--batch", str(WORKER_BATCH)]
        saved = dict(self.env)
        self.env.update(env)
        try:
            return [self.start(command, f"worker-{i}") for i in range(count)]
        finally:
            self.env = saved

    def stop(self, processes: list[subprocess.Popen]) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def delivery(self, workers: int) -> tuple[int, float]:
        """(emails, seconds) `workers` worker processes delivered, timed from the first email
        they delivered to --deliver-emails later, or --deliver-seconds."""
        processes = self.start_workers(workers)
        try:
            before = self.read_sink()
            wait_until("the first delivered email", lambda: self.read_sink() > before, 120)
            start_count, started = self.read_sink(), time.monotonic()
            deadline = started + self.args.deliver_seconds
            goal = start_count + self.args.deliver_emails
            while time.monotonic() < deadline and self.read_sink() < goal:
                if any(p.poll() is not None for p in processes):
                    raise RuntimeError(f"a worker exited; see {self.tmp}/worker-*.log")
                time.sleep(0.1)
            return self.read_sink() - start_count, time.monotonic() - started
        finally:
            self.stop(processes)
            self.read_sink()

    def bare_smtp(self, update_id: int, count: int) -> tuple[int, float]:
        """(emails, seconds) of a plain loop sending `count` of the update's queued emails,
        built as the worker builds them (each filled into its shared body), over one reused
        smtplib connection: no database."""
        from sqlalchemy import select

        from campaign.extensions import db
        from campaign.mail.mailer import build_message
        from campaign.models import OutboxBody, OutboxEmail, fill_link

        with self.app.app_context():
            rows = db.session.execute(
                select(
                    OutboxEmail.to_address,
                    OutboxEmail.subject,
                    OutboxEmail.text_body,
                    OutboxEmail.html_body,
                    OutboxEmail.list_unsubscribe,
                    OutboxEmail.body_id,
                )
                .where(OutboxEmail.update_id == update_id, OutboxEmail.status == "pending")
                .order_by(OutboxEmail.id.desc())
                .limit(count)
            ).all()
            bodies = {
                body.id: body
                for body in db.session.execute(
                    select(OutboxBody).where(OutboxBody.update_id == update_id)
                ).scalars()
            }
            db.session.remove()
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", self.sink_port, timeout=30) as smtp:
            for row in rows:
                text, html = row.text_body, row.html_body
                if row.body_id is not None:
                    body = bodies[row.body_id]
                    text, html = fill_link(
                        body.text_body, body.html_body, body.placeholder, row.list_unsubscribe
                    )
                message = build_message(
                    sender=self.env["MAIL_FROM"],
                    to=row.to_address,
                    subject=row.subject,
                    text=text,
                    html=html,
                    domain="bench.example",
                    list_unsubscribe=row.list_unsubscribe,
                )
                smtp.sendmail(message.envelope_from, [message.to], message.data)
        seconds = time.monotonic() - started
        self.read_sink()
        return len(rows), seconds

    def drop_pending(self, update_id: int) -> None:
        """The rest of the large update is not delivered: the next measurement is another."""
        from sqlalchemy import delete

        from campaign.extensions import db
        from campaign.models import OutboxEmail

        with self.app.app_context():
            db.session.execute(
                delete(OutboxEmail).where(
                    OutboxEmail.update_id == update_id, OutboxEmail.status == "pending"
                )
            )
            db.session.commit()
            db.session.remove()

    # --- a worker killed in the middle ------------------------------------------------------

    def kill_in_the_middle(self, tag: str, count: int) -> list[tuple[bool, str]]:
        from sqlalchemy import select

        from campaign.extensions import db
        from campaign.models import OutboxEmail, utcnow

        slug, _ = self.seed(count, tag)
        queued, _, _, output = self.queue(slug)
        update_id = int(output.rsplit("update ", 1)[1].split(":")[0])
        mine = f"{tag}-"

        def delivered() -> int:
            self.read_sink()
            return sum(1 for address in self.received if address.startswith(mine))

        lease = {"OUTBOX_LEASE_SECONDS": str(KILL_LEASE_SECONDS)}
        (worker,) = self.start_workers(1, **lease)
        wait_until("half the update delivered", lambda: delivered() >= count // 2, 600)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        at_kill = delivered()
        with self.app.app_context():
            now = utcnow()
            leased = select(OutboxEmail.attempts).where(
                OutboxEmail.update_id == update_id,
                OutboxEmail.status == "pending",
                OutboxEmail.leased_until > now,
            )
            attempts = list(db.session.scalars(leased))
            db.session.remove()
        # Leased emails the killed worker had started (attempt counted, outcome not): only these
        # may have reached the sink without being marked sent, so only these may go twice.
        in_flight = sum(1 for n in attempts if n > 0)
        (restarted,) = self.start_workers(1, **lease)

        def drained() -> bool:
            with self.app.app_context():
                pending = count_rows(
                    OutboxEmail, OutboxEmail.update_id == update_id, OutboxEmail.status == "pending"
                )
                db.session.remove()
            return pending == 0

        started = time.monotonic()
        try:
            wait_until("the outbox to drain", drained, 120 + count / 25)
        finally:
            self.stop([restarted])
        drain = time.monotonic() - started
        time.sleep(0.5)
        self.read_sink()
        expected = [f"{tag}-{i}@bench.example" for i in range(1, count + 1)]
        received = Counter({a: n for a, n in self.received.items() if a.startswith(mine)})
        missing, twice = delivery_tally(expected, received)
        detail = (
            f"{queued} queued; killed after {at_kill} delivered, with {len(attempts)} leased "
            f"(batch {WORKER_BATCH}) of which {in_flight} in flight; drained {drain:.0f} s after "
            f"the restart; {missing} missing, {twice} delivered twice"
        )
        no_loss = check_line("every recipient got the update after kill -9", not missing, detail)
        bounded = twice <= max(in_flight, 1)
        bound = check_line(
            "duplicates at most the emails in flight at the kill",
            bounded,
            f"{twice} duplicates, in flight {in_flight} (leased {len(attempts)}, "
            f"batch bound {WORKER_BATCH})",
        )
        return [(not missing, no_loss), (bounded, bound)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    checks: list[tuple[bool, str]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append((ok, check_line(name, ok, detail)))

    with UpdatesBench(args) as bench:
        bench.prepare()
        print(
            f"campaign updates bench {bench.run_id}: {args.db}, {args.signers:,} signers; "
            f"{os.cpu_count()} CPUs, {machine_load()}",
            flush=True,
        )
        slug, seeded = bench.seed(args.signers, f"u{bench.run_id}")
        print(f"seeded {args.signers:,} confirmed opted-in signers in {seeded:.0f} s", flush=True)
        queued, seconds, peak_mb, output = bench.queue(slug)
        update_id = int(output.rsplit("update ", 1)[1].split(":")[0])
        print(
            f"queuing: {queued:,} emails in {seconds:.1f} s = {queued / seconds:,.0f} emails/s; "
            f"peak RSS of `campaign updates send` {peak_mb:.0f} MB  [{machine_load()}]",
            flush=True,
        )
        check("every signer queued once", queued == args.signers, f"{queued:,} of {args.signers:,}")
        target = QUEUE_SECONDS_TARGET
        check("queuing time", seconds < target, f"{seconds:.1f} s (target < {target} s)")
        target = QUEUE_MEMORY_TARGET_MB
        check("queuing memory", peak_mb < target, f"{peak_mb:.0f} MB (target < {target} MB)")

        bare_sent, bare_seconds = bench.bare_smtp(update_id, min(args.deliver_emails, queued))
        bare_rate = bare_sent / bare_seconds
        print(
            f"bare smtplib loop: {bare_sent:,} emails in {bare_seconds:.1f} s = "
            f"{bare_rate:,.0f} emails/s (one connection)  [{machine_load()}]",
            flush=True,
        )
        for workers in args.workers:
            sent, seconds = bench.delivery(workers)
            rate = sent / seconds
            print(
                f"delivery, {workers} worker process(es): {sent:,} emails in {seconds:.1f} s = "
                f"{rate:,.0f} emails/s, {rate / bare_rate:.0%} of the bare loop  "
                f"[{machine_load()}]",
                flush=True,
            )
            target = DELIVERY_TARGET
            check(
                f"delivery rate, {workers} worker(s)",
                rate >= target,
                f"{rate:,.0f} emails/s (target >= {target})",
            )
        bench.drop_pending(update_id)
        if args.kill_signers:
            checks += bench.kill_in_the_middle(f"k{bench.run_id}", args.kill_signers)
        print(f"machine at the end: {machine_load()}", flush=True)
        for _ok, line in checks:
            print(line, flush=True)
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
