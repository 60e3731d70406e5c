"""The viral-day benchmark: start the platform as in production, load it, check nothing was lost.

Run it through `bench/run` (see docs/performance.md). Every process it starts is its own child,
stopped at the end; every load loop runs for a fixed time; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import json
import os
import resource
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.stats import (
    ScenarioResult,
    check_line,
    combine_rounds,
    format_result,
    merge_results,
    parse_report,
    share_of_bare_check,
)

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = ROOT / "bench" / "lua" / "scenario.lua"
# The other public pages an anonymous visitor reads, each its own read-only scenario ("get" in
# the Lua script): name -> path, filled in with the demo's campaign and a statement linked to it.
PAGE_SCENARIOS = {
    "home": "/en/",
    "campaign": "/en/campaigns/{campaign}",
    "wall": "/en/campaigns/{campaign}/wall",
    "listing": "/en/statements",
    "filtered": "/en/statements?country={country}",
    "statement": "/en/statements/{statement}",
    "feed": "/en/statements/feed.atom",
    "sitemap": "/sitemap.xml",
    "developers": "/en/developers",
    # Signatures by country (the delivery feature), measured against the counter.
    "countries": "/api/v1/petitions/{petition}/countries",
}
# sign-protected: the sign flow on a protected petition (campaign.protection), which seals the
# name, address and country and hashes the address; compared with "sign" in the same run.
SCENARIOS = (
    "bare",
    "page",
    "counter",
    *PAGE_SCENARIOS,
    "sign",
    "sign-protected",
    "confirm",
    "viral",
)
# What a signing scenario's tag (in each signer's address) starts with.
TAG_LETTERS = {"sign-protected": "p"}
# Run in alternating rounds, like the read-only scenarios, when both are asked for.
PAIRED_SIGNING = ("sign", "sign-protected")
# The protected sign flow must keep at least this share of the unprotected one's rate.
PROTECTED_SIGNING_SHARE = 0.8
# The wall of support and the campaign page that shows its latest posts must keep at least this
# share of the bare endpoint's rate.
WALL_PAGES_SHARE = 0.4
READ_ONLY = ("bare", "page", "counter", *PAGE_SCENARIOS)
# After its time is up a scenario sends nothing new; this long is left for answers in flight.
# Shorter than gunicorn's keepalive (gunicorn.conf.py) and granian's wait for a request's headers
# (--http1-header-read-timeout, 30 s), so no idle connection is closed under us.
GRACE_SECONDS = 3
EXPORT_ROWS = 1_000_000
EXPORT_ROUTE = "/staff/petitions/<slug>/export"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description="Load the platform as on a viral day and print figures."
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument(
        "--viral-duration", type=int, default=60, help="seconds of the mixed viral scenario"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="connections at once")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="the read-only scenarios (bare, page, counter and the other public pages), and the "
        "two sign flows (sign, sign-protected), run interleaved in this many rounds sharing "
        "--duration, so their ratios compare like with like on a machine whose load changes",
    )
    parser.add_argument(
        "--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS), metavar="NAME"
    )
    parser.add_argument("--skip-export", action="store_true", help="skip the 1M-row export")
    parser.add_argument(
        "--only-export",
        action="store_true",
        help="after the warm-up, run only the 1M-row export (no scenarios, no loss checks)",
    )
    parser.add_argument(
        "--two-servers",
        action="store_true",
        help="two app servers on two ports sharing PostgreSQL and Redis; load spread over both",
    )
    parser.add_argument(
        "--server",
        choices=("gunicorn", "granian"),
        default="gunicorn",
        help="the app server: gunicorn with gunicorn.conf.py, or granian with the same number of "
        "worker processes and threads per process (measured, not adopted)",
    )
    parser.add_argument("--workers", type=int, help="worker processes (default: gunicorn.conf.py)")
    parser.add_argument("--worker-class", help="gunicorn worker class (default: gunicorn.conf.py)")
    parser.add_argument(
        "--threads", type=int, help="threads per gthread worker, or granian's blocking threads"
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.server == "granian" and args.worker_class:
        parser.error("--worker-class is gunicorn's: granian runs threads in worker processes")
    if args.two_servers:
        args.db = "postgres"
    args.scenarios = [] if args.only_export else [s for s in SCENARIOS if s in args.scenarios]
    return args


def public_page_paths(petition) -> dict[str, str]:
    """PAGE_SCENARIOS' paths for the demo: `petition`'s campaign, and a statement linked to it
    (in an app context; the platform is imported once the environment is set)."""
    from sqlalchemy import select

    from campaign.extensions import db
    from campaign.models import Campaign, Statement

    statement = db.session.scalars(
        select(Statement)
        .where(Statement.status == "published")
        .order_by(Statement.campaigns.any(Campaign.id == petition.campaign_id).desc())
        .order_by(Statement.id)
    ).first()
    values = {
        "petition": petition.slug,
        "campaign": petition.campaign.slug,
        "statement": statement.slug,
        "country": (statement.country_codes or ["MX"])[0],
    }
    return {name: path.format(**values) for name, path in PAGE_SCENARIOS.items()}


def ensure_wrk() -> str:
    """wrk is the load generator; install the Debian package when it is missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (apt-get install wrk)...", flush=True)
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, check=False).returncode != 0:
            # A fresh machine may not have read the package lists yet.
            subprocess.run(["apt-get", "update", "-qq"], check=False)
            subprocess.run(install, check=False)
        found = shutil.which("wrk")
    if not found:
        sys.exit("bench/run needs wrk: apt-get install wrk (Debian/Ubuntu) or brew install wrk")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until(what: str, ready, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"gave up waiting for {what} after {timeout:.0f} s")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (an app server's workers)."""
    return sum(process_cpu(p) for p in [pid, *children(pid)])


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by one process; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def machine_load() -> str:
    """How busy the machine is besides us: figures taken on a shared machine need this."""
    text = f"load average {os.getloadavg()[0]:.1f}"
    try:
        some = Path("/proc/pressure/cpu").read_text().split()[1]
        text += f", CPU pressure {some.split('=')[1]}% (runnable tasks waiting for a CPU)"
    except (OSError, IndexError):
        pass
    return text


def cpu_stall_seconds() -> float:
    """Seconds so far during which some runnable task waited for a CPU (Linux PSI)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return 0.0
    return int(line.rsplit("total=", 1)[1]) / 1e6


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss(pid: int) -> None:
    """Start VmHWM again from the current RSS (Linux: 5 > clear_refs), so that the next peak
    read is that of what follows, not of an earlier moment such as a login's Argon2 check."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class Bench:
    """The platform under test: database, SMTP sink, app servers and outbox worker."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
        self.run_id = secrets.token_hex(3)
        self.processes: list[subprocess.Popen] = []
        self.drop_database = None
        self.sink_port = free_port()
        self.sink_log = self.tmp / "received.txt"
        self.ports = [free_port() for _ in range(2 if args.two_servers else 1)]
        self.servers: list[subprocess.Popen] = []
        self.env = dict(os.environ)
        self.app = None
        self.petition_slug = ""
        self.petition_id = 0
        self.protected_slug = ""
        self.protected_id = 0
        self.page_paths: dict[str, str] = {}
        self.initial_count = 0
        self.confirmed_by_clients = 0
        self.token_batches = 0  # pending signatures write_tokens inserted, one tag per batch
        self.signing_tags: dict[str, tuple[list[str], int]] = {}
        self.results: dict[str, ScenarioResult] = {}
        self.fresh_peak_mb = 0.0

    # --- set-up -----------------------------------------------------------------------------

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc_info) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.app is not None:
            from campaign.extensions import db

            with self.app.app_context():
                db.engine.dispose()
        if self.drop_database:
            self.drop_database()
        if self.args.keep:
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def database_url(self) -> str:
        if self.args.db == "sqlite":
            return f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        url, self.drop_database = throwaway_database(
            self.args.postgres_url, f"campaign_bench_{self.run_id}"
        )
        return url

    def prepare(self) -> None:
        self.env.update(
            {
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
                ),
                "CAMPAIGN_ENV": "production",
                "SECRET_KEY": secrets.token_hex(32),
                "RATELIMIT_ENABLED": "0",
                "MAIL_URL": f"smtp://127.0.0.1:{self.sink_port}",
                "MAIL_FROM": "Campaigns <campaigns@bench.example>",
                "DATABASE_URL": self.database_url(),
                "BASE_URL": f"http://127.0.0.1:{self.ports[0]}",
                "BENCH_BARE_ENDPOINT": "1",
                # The demo's wall of support draws its photos here, not into the checkout.
                "UPLOAD_DIR": str(self.tmp / "uploads"),
            }
        )
        if self.args.two_servers:
            self.env["REDIS_URL"] = self.args.redis_url
        else:
            self.env.pop("REDIS_URL", None)
        os.environ.update(self.env)
        for command in (["translations", "compile"], ["db", "upgrade"], ["demo"]):
            self.campaign(*command)
        from campaign import create_app

        self.app = create_app()
        self.pick_petition()
        self.create_protected_petition()
        self.start_sink()
        for port in self.ports:
            self.start_server(port)
        # The outbox worker yields the CPU to the app servers: emails may queue during a burst
        # and catch up after it, which is what the outbox is for.
        self.start(["nice", "-n", "10", sys.executable, "-m", "campaign", "worker"], "worker")

    def campaign(self, *command: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "campaign", *command],
            env=self.env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"campaign {' '.join(command)} failed:\n{done.stderr}")
        return done.stdout

    def start(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.processes.append(process)
        return process

    def start_sink(self, niceness: int = 10) -> None:
        command = [sys.executable, "-m", "bench.sink", "--port", str(self.sink_port)]
        command = ["nice", "-n", str(niceness), *command, "--log", str(self.sink_log)]
        self.start(command, "sink")

        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", self.sink_port)) == 0

        wait_until("the SMTP sink", listening, 30)

    def server_command(self, port: int) -> list[str]:
        """The app server's command: gunicorn with gunicorn.conf.py, or granian with as many
        worker processes, each running the app on as many threads."""
        settings = server_settings(self.args)
        if self.args.server == "granian":
            return [
                sys.executable, "-m", "granian", "--interface", "wsgi",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                "--workers", str(settings["workers"]),
                "--blocking-threads", str(settings["threads"]),
                # What gunicorn speaks: HTTP/1.1 to the proxy, and no websockets (WSGI has none).
                "--http", "1", "--no-ws",
                "wsgi:app",
            ]  # fmt: skip
        return [
            sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            "--workers", str(settings["workers"]),
            "--worker-class", str(settings["worker_class"]),
            "--threads", str(settings["threads"]),
            "wsgi:app",
        ]  # fmt: skip

    def start_server(self, port: int) -> None:
        metrics_dir = self.env.get("PROMETHEUS_MULTIPROC_DIR")
        if self.args.server == "granian" and metrics_dir:
            # gunicorn.conf.py makes it for gunicorn; the workers' first counter writes to it.
            os.makedirs(metrics_dir, exist_ok=True)
        name = f"{self.args.server}-{port}"
        server = self.start(self.server_command(port), name)
        self.servers.append(server)

        def healthy() -> bool:
            if server.poll() is not None:
                raise RuntimeError(f"{self.args.server} exited; see {self.tmp}/{name}.log")
            try:
                return http_get(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200
            except OSError:
                return False

        wait_until(f"the app server on port {port}", healthy, 60)
        if len(self.servers) == 1:
            self.fresh_peak_mb = max(peak_rss_mb(pid) for pid in children(server.pid))

    def pick_petition(self) -> None:
        from sqlalchemy import select

        from campaign.extensions import db
        from campaign.models import Petition

        with self.app.app_context():
            petition = db.session.scalars(
                select(Petition).where(Petition.status == "open").order_by(Petition.id)
            ).first()
            self.petition_slug, self.petition_id = petition.slug, petition.id
            self.initial_count = petition.signature_count
            self.page_paths = public_page_paths(petition)

    def create_protected_petition(self) -> None:
        """A protected petition in the same campaign, sealed to a key made for this run."""
        from sqlalchemy import select

        from campaign.extensions import db
        from campaign.models import Petition

        keys, text = self.tmp / "protection", self.tmp / "protected.md"
        self.campaign("keys", "generate-protection", "--out", str(keys))
        public_key = str(keys / "protection-public.key")
        self.campaign("keys", "add-protection", "--public-key", public_key, "--name", "bench")
        text.write_text("Title: Protected bench petition\n\nSigned by people at risk.\n")
        self.protected_slug = f"bench-protected-{self.run_id}"
        self.campaign(
            "petitions", "create", "--campaign", self.page_paths["campaign"].rsplit("/", 1)[1],
            "--slug", self.protected_slug, "--message-file", f"en={text}", "--goal", "1000",
            "--protected-by", "bench", "--open",
        )  # fmt: skip
        with self.app.app_context():
            self.protected_id = db.session.scalar(
                select(Petition.id).where(Petition.slug == self.protected_slug)
            )
            db.session.remove()

    # --- load -------------------------------------------------------------------------------

    def describe(self) -> str:
        return (
            f"campaign bench {self.run_id}: {self.args.db}, {len(self.ports)} app server(s), "
            f"{server_description(self.args)}\n"
            f"{os.cpu_count()} CPUs, {machine_load()}; {self.args.concurrency} connections; "
            f"{self.args.duration} s per scenario, viral {self.args.viral_duration} s; "
            f"petition {self.petition_slug}"
        )

    def warm_up(self) -> None:
        """Let every worker load what it loads on first use (locale data, templates, queries)."""
        signed = {"sign": ([], 0), "sign-protected": ([], 0)}
        pages = [name for name in self.args.scenarios if name in PAGE_SCENARIOS]
        for mode in ("page", "counter", "sign", "sign-protected", *pages):
            for i, port in enumerate(self.ports):
                tag = f"w{TAG_LETTERS.get(mode, '')}{self.run_id}{chr(97 + i)}"
                seconds = 1 if mode in PAGE_SCENARIOS else 2
                command = wrk_command(port, *self.wrk_mode(mode), tag, seconds, 8)
                done = subprocess.run(command, capture_output=True, text=True, timeout=120)
                if mode in signed:
                    tags, accepted = signed[mode]
                    signed[mode] = (
                        [*tags, tag],
                        accepted + parse_report(mode, done.stdout).accepted,
                    )
        self.signing_tags["warm-up"] = signed["sign"]
        self.signing_tags["warm-up, protected"] = signed["sign-protected"]

    def wrk_mode(self, name: str) -> tuple[str, str]:
        """The Lua script's mode and target for a scenario: a page scenario GETs its path."""
        if name in PAGE_SCENARIOS:
            return "get", self.page_paths[name]
        if name == "sign-protected":
            return "sign", self.protected_slug
        return name, self.petition_slug

    def run_scenario(self, name: str, seconds: int | None = None) -> ScenarioResult:
        if seconds is None:
            seconds = self.args.viral_duration if name == "viral" else self.args.duration
        extra_args: list[tuple[str, ...]] = [()] * len(self.ports)
        if name == "confirm":
            extra_args = [(str(path), "1") for path in self.write_tokens(seconds)]
        elif name == "viral":
            paths = (self.page_paths["campaign"], self.page_paths["statement"])
            extra_args = [paths] * len(self.ports)
        letter = TAG_LETTERS.get(name, name[0])
        # A scenario run in rounds signs with new addresses each round: a digit after the first.
        earlier_tags, accepted_before = self.signing_tags.get(name, ([], 0))
        again = str(len(earlier_tags) // len(self.ports) + 1) if earlier_tags else ""
        tags = [f"{letter}{self.run_id}{chr(97 + i)}{again}" for i in range(len(self.ports))]
        per_server = max(self.args.concurrency // len(self.ports), 1)
        cpu_before = sum(process_tree_cpu(s.pid) for s in self.servers)
        stalled_before, started = cpu_stall_seconds(), time.monotonic()
        usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs = [
            subprocess.Popen(
                wrk_command(port, *self.wrk_mode(name), tag, seconds, per_server, *extra),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for port, tag, extra in zip(self.ports, tags, extra_args, strict=True)
        ]
        results = []
        for run in runs:
            out, err = run.communicate(timeout=seconds + GRACE_SECONDS + 60)
            try:
                results.append(parse_report(name, out))
            except ValueError as exc:
                raise RuntimeError(f"wrk failed for {name}: {err or out}") from exc
        usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = merge_results(results)
        result.generator_cpu = (usage_after.ru_utime - usage_before.ru_utime) + (
            usage_after.ru_stime - usage_before.ru_stime
        )
        result.server_cpu = sum(process_tree_cpu(s.pid) for s in self.servers) - cpu_before
        result.cpu_pressure = (cpu_stall_seconds() - stalled_before) / (time.monotonic() - started)
        if name in ("sign", "sign-protected", "viral"):
            self.signing_tags[name] = (earlier_tags + tags, accepted_before + result.accepted)
        if name == "confirm":
            self.confirmed_by_clients += result.confirmed
        return result

    def write_tokens(self, seconds: int) -> list[Path]:
        """Confirmation links for pending signatures, built as the signing code builds them."""
        from sqlalchemy import select

        from campaign.extensions import db
        from campaign.models import Signature
        from campaign.petitions.signing import confirmation_token

        # Plenty: a client that runs out would fall back to the bare endpoint.
        wanted = max(2000, 2500 * seconds)
        with self.app.app_context():
            pending = count_rows(
                Signature,
                Signature.petition_id == self.petition_id,
                Signature.confirmed_at.is_(None),
            )
            if pending < wanted:
                # A tag of their own each time: "confirm" may run in several rounds.
                self.token_batches += 1
                tag = f"c{self.run_id}{self.token_batches}"
                bulk_insert_signatures(db.session, self.petition_id, wanted - pending, tag, False)
                db.session.commit()
            signatures = db.session.scalars(
                select(Signature)
                .where(Signature.petition_id == self.petition_id, Signature.confirmed_at.is_(None))
                .order_by(Signature.id)
                .limit(wanted)
            ).all()
            tokens = [confirmation_token(self.app.config["SECRET_KEY"], s) for s in signatures]
            db.session.remove()
        files = []
        for i, _port in enumerate(self.ports):
            path = self.tmp / f"tokens-{i}.txt"
            path.write_text("\n".join(tokens[i :: len(self.ports)]) + "\n")
            files.append(path)
        return files

    # --- loss checks ------------------------------------------------------------------------

    def loss_checks(self) -> list[tuple[bool, str]]:
        from sqlalchemy import or_, select

        from campaign.extensions import db
        from campaign.models import OutboxEmail, Petition, Signature

        checks = []
        protected = [name for name in self.signing_tags if "protected" in name]
        with self.app.app_context():
            for scenario, (tags, accepted) in self.signing_tags.items():
                if scenario in protected:
                    continue
                rows = count_rows(
                    Signature, or_(*(Signature.email.like(f"{tag}-%") for tag in tags))
                )
                checks.append(
                    (
                        rows == accepted,
                        check_line(
                            f"accepted signatures are rows ({scenario})",
                            rows == accepted,
                            f"{accepted} answered check your email, {rows} rows",
                        ),
                    )
                )
            # Protected rows keep no address to find them by: their petition has no others.
            accepted = sum(self.signing_tags[name][1] for name in protected)
            rows = count_rows(Signature, Signature.petition_id == self.protected_id)
            checks.append(
                (
                    rows == accepted,
                    check_line(
                        "accepted signatures are rows (protected)",
                        rows == accepted,
                        f"{accepted} answered check your email, {rows} rows",
                    ),
                )
            )
            count = db.session.scalar(
                select(Petition.signature_count).where(Petition.id == self.petition_id)
            )
            confirmed_rows = count_rows(
                Signature,
                Signature.petition_id == self.petition_id,
                Signature.confirmed_at.isnot(None),
            )
            expected = self.initial_count + self.confirmed_by_clients
            ok = count == confirmed_rows == expected
            checks.append(
                (
                    ok,
                    check_line(
                        "every confirmation counted once",
                        ok,
                        f"signature_count {count}, confirmed rows {confirmed_rows}, "
                        f"initial {self.initial_count} + {self.confirmed_by_clients} confirmed "
                        f"= {expected}",
                    ),
                )
            )
            db.session.remove()
        # Each worker process keeps a page for PAGE_CACHE_SECONDS; wait until all are fresh.
        time.sleep(self.app.config["PAGE_CACHE_SECONDS"] + 0.5)
        for port in self.ports:
            status, body = http_get(
                f"http://127.0.0.1:{port}/api/v1/petitions/{self.petition_slug}"
            )
            public = json.loads(body)["signature_count"] if status == 200 else None
            ok = public == confirmed_rows
            checks.append(
                (
                    ok,
                    check_line(
                        f"public count equals confirmed rows (port {port})",
                        ok,
                        f"API says {public}, {confirmed_rows} confirmed rows",
                    ),
                )
            )
        with self.app.app_context():

            def drained() -> bool:
                pending = count_rows(OutboxEmail, OutboxEmail.status == "pending")
                db.session.remove()
                return pending == 0

            started = time.monotonic()
            try:
                # The worker runs niced: on a busy machine it may send only a few dozen a second.
                queued_now = count_rows(OutboxEmail)
                db.session.remove()
                wait_until("the outbox to drain", drained, 120 + queued_now / 25)
                waited = f"outbox drained in {time.monotonic() - started:.0f} s"
            except RuntimeError as exc:
                waited = str(exc)
            queued = Counter(
                db.session.scalars(
                    select(OutboxEmail.to_address).where(OutboxEmail.erase_when_done.is_(False))
                ).all()
            )
            # Emails to protected signers are emptied of their address once sent.
            erased = count_rows(OutboxEmail, OutboxEmail.erase_when_done.is_(True))
            failed = count_rows(OutboxEmail, OutboxEmail.status != "sent")
            db.session.remove()
        time.sleep(0.5)
        received = (
            Counter(self.sink_log.read_text().split()) if self.sink_log.exists() else Counter()
        )
        protected_tags = tuple(
            f"{tag}-" for name in protected for tag in self.signing_tags[name][0]
        )
        to_protected = sum(n for a, n in received.items() if a.startswith(protected_tags))
        received = Counter({a: n for a, n in received.items() if not a.startswith(protected_tags)})
        twice = sum(1 for address, n in received.items() if n > queued.get(address, 0))
        missing = sum(1 for address, n in queued.items() if received.get(address, 0) < n)
        ok = received == queued and to_protected == erased and failed == 0
        checks.append(
            (
                ok,
                check_line(
                    "every email reached the sink exactly once",
                    ok,
                    f"{sum(queued.values())} queued, {sum(received.values())} received, "
                    f"{missing} missing, {twice} more than once, {failed} not sent; "
                    f"protected signers: {erased} queued, {to_protected} received; {waited}",
                ),
            )
        )
        return checks

    def protected_signing_check(self) -> tuple[bool, str] | None:
        """The protected sign flow against the unprotected one, in this run."""
        plain, protected = self.results.get("sign"), self.results.get("sign-protected")
        if not (plain and protected and plain.rate):
            return None
        share = protected.rate / plain.rate
        ok = share >= PROTECTED_SIGNING_SHARE
        detail = (
            f"{protected.rate:.0f} req/s protected, {plain.rate:.0f} unprotected: {share:.0%} "
            f"(at least {PROTECTED_SIGNING_SHARE:.0%})"
        )
        return ok, check_line("protected signing keeps pace", ok, detail)

    def wall_pages_checks(self) -> list[tuple[bool, str]]:
        """The wall and the campaign page (which shows the wall's latest posts) against bare."""
        bare = self.results.get("bare")
        if bare is None:
            return []
        return [
            share_of_bare_check(self.results[name], bare, WALL_PAGES_SHARE)
            for name in ("wall", "campaign")
            if name in self.results
        ]

    # --- export -----------------------------------------------------------------------------

    def export(self) -> str:
        rules = {rule.rule for rule in self.app.url_map.iter_rules()}
        if EXPORT_ROUTE not in rules:
            return "export: skipped (no staff export in this build)"

        from campaign.extensions import db
        from campaign.models import Petition, PetitionText

        slug = f"bench-export-{self.run_id}"
        started = time.monotonic()
        with self.app.app_context():
            source = db.session.get(Petition, self.petition_id)
            petition = Petition(
                campaign_id=source.campaign_id,
                slug=slug,
                status="open",
                texts=[
                    PetitionText(locale="en", title="Export benchmark", body="", target="Bench")
                ],
            )
            db.session.add(petition)
            db.session.commit()
            bulk_insert_signatures(db.session, petition.id, EXPORT_ROWS, f"x{self.run_id}", True)
            db.session.execute(
                Petition.__table__.update()
                .where(Petition.id == petition.id)
                .values(signature_count=EXPORT_ROWS)
            )
            db.session.commit()
            db.session.remove()
        loaded = time.monotonic() - started
        email, password = f"exporter-{self.run_id}@bench.example", secrets.token_urlsafe(16)
        self.campaign(
            "users",
            "create",
            "--email",
            email,
            "--role",
            "exporter",
            "--password-stdin",
            stdin=password + "\n",
        )
        base = f"http://127.0.0.1:{self.ports[0]}"
        browser = staff_browser()
        submit_form(browser, f"{base}/staff/login", {"email": email, "password": password})
        export_url = f"{base}/staff/petitions/{slug}/export"
        workers = children(self.servers[0].pid)
        peak_earlier = max(peak_rss_mb(pid) for pid in workers)
        for pid in workers:
            reset_peak_rss(pid)
        peak_before = max(peak_rss_mb(pid) for pid in workers)
        started = time.monotonic()
        rows, status = submit_form(browser, export_url, {}, count_lines=True)
        seconds = time.monotonic() - started
        peak = max(peak_rss_mb(pid) for pid in workers)
        rows -= 1  # the header line
        return (
            f"export: {rows:,} rows (status {status}) in {seconds:.1f} s = {rows / seconds:,.0f} "
            f"rows/s; peak RSS of the app server's workers during the export {peak:.0f} MB "
            f"({peak_before:.0f} MB just before it; {peak_earlier:.0f} MB at the earlier peak, "
            f"which includes the staff login's Argon2 check; {self.fresh_peak_mb:.0f} MB when "
            f"started); loading {EXPORT_ROWS:,} signatures took {loaded:.0f} s"
        )


def throwaway_database(admin_url: str, name: str) -> tuple[str, Callable[[], None]]:
    """A new PostgreSQL database `name` on the server `admin_url` names: its URL, and a
    function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(admin_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def count_rows(model, *criteria) -> int:
    from sqlalchemy import func, select

    from campaign.extensions import db

    return db.session.scalar(select(func.count()).select_from(model).where(*criteria))


def server_settings(args: argparse.Namespace) -> dict[str, object]:
    """The gunicorn settings in force: gunicorn.conf.py (which reads the database's kind from
    DATABASE_URL, as the servers will), then the command line's overrides. Granian runs the
    same number of worker processes and threads."""
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = "sqlite:" if args.db == "sqlite" else "postgresql:"
    try:
        config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        if saved is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = saved
    settings = {
        "workers": config.get("workers", 1),
        "worker_class": config.get("worker_class", "sync"),
        "threads": config.get("threads", 1),
    }
    if args.two_servers:
        settings["workers"] = max(int(settings["workers"]) // 2, 1)
    for name in settings:
        if getattr(args, name):
            settings[name] = getattr(args, name)
    return settings


def server_description(args: argparse.Namespace) -> str:
    """The app server and its settings, as the figures' heading names them."""
    settings = server_settings(args)
    if args.server == "granian":
        return (
            f"granian {settings['workers']} x WSGI workers ({settings['threads']} blocking threads "
            "each)"
        )
    return (
        f"gunicorn {settings['workers']} x {settings['worker_class']} workers "
        f"({settings['threads']} threads each)"
    )


def wrk_command(
    port: int, mode: str, target: str, tag: str, seconds: int, connections: int, *extra: str
) -> list[str]:
    """`target` is the petition's slug, or the path a "get" scenario reads; `extra`, the mode's
    own arguments (confirm: the token file and thread count; viral: the campaign and statement
    page paths)."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds + GRACE_SECONDS}s",
        "--timeout",
        "10s",
    ]
    command += ["-s", str(LUA_SCRIPT), f"http://127.0.0.1:{port}", "--", mode, target, tag]
    command.append(str(seconds))
    command += extra
    return command


def bulk_insert_signatures(
    session, petition_id: int, count: int, tag: str, confirmed: bool, newsletter: bool = False
) -> None:
    """Insert `count` signatures in one statement (generate_series, or a recursive CTE);
    `newsletter`: they asked to be kept informed (the audience of updates)."""
    from sqlalchemy import bindparam, text

    from campaign.models import utcnow
    from campaign.models.types import UTCDateTime

    postgresql = session.get_bind().dialect.name == "postgresql"
    # A public id of the usual 22 characters: hex, as the benchmark only needs them unique.
    public_id = (
        "substr(md5(random()::text || g), 1, 22)"
        if postgresql
        else "substr(lower(hex(randomblob(11))), 1, 22)"
    )
    columns = (
        "public_id, petition_id, name, email, email_normalized, country, locale, consent_text, "
        "consented_at, newsletter, created_at, confirmed_at, emails_sent"
    )
    values = (
        f"{public_id}, :petition_id, 'Bulk Signer ' || g, :tag || '-' || g || '@bench.example', "
        ":tag || '-' || g || '@bench.example', 'FR', 'en', 'bench', :now, :newsletter, :now, "
        f"{':now' if confirmed else 'NULL'}, 1"
    )
    if postgresql:
        sql = f"INSERT INTO signatures ({columns}) SELECT {values} FROM generate_series(1, :n) AS g"
    else:
        sql = (
            "WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < :n) "
            f"INSERT INTO signatures ({columns}) SELECT {values} FROM seq"
        )
    statement = text(sql).bindparams(bindparam("now", type_=UTCDateTime))
    session.execute(
        statement,
        {
            "petition_id": petition_id,
            "n": count,
            "tag": tag,
            "now": utcnow(),
            "newsletter": newsletter,
        },
    )


class _FormReader(html.parser.HTMLParser):
    """The form a page posts to `action_path`: the values its fields would submit."""

    def __init__(self, action_path: str):
        super().__init__()
        self.action_path = action_path
        self.found = False
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._first_option: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.found:
            action = urllib.parse.urlsplit(attrs.get("action") or self.action_path).path
            self._in_form = self.found = action == self.action_path
        elif not self._in_form:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio", "submit") or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self._select, self._first_option = attrs.get("name"), None
        elif tag == "option" and self._select:
            option = (self._select, attrs.get("value") or "")
            if "selected" in attrs:
                self.fields.append(option)
                self._select = None
            elif self._first_option is None:
                self._first_option = option

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select and self._first_option:
            self.fields.append(self._first_option)
            self._select = None


class _LoopbackCookies(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are Secure (`__Host-session`); the benchmark speaks plain HTTP to
    127.0.0.1, which a browser would also treat as a secure context."""

    def return_ok_secure(self, cookie, request):
        return True


def staff_browser():
    jar = http.cookiejar.CookieJar(policy=_LoopbackCookies())
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def submit_form(browser, url: str, values: dict[str, str], count_lines: bool = False):
    """GET a page, fill the form that posts back to it with `values`, submit it; count the
    answer's lines as they stream."""
    path = urllib.parse.urlsplit(url).path
    with browser.open(url, timeout=60) as page:
        reader = _FormReader(path)
        reader.feed(page.read().decode())
    if not reader.found:
        raise RuntimeError(f"no form posting to {path} on {url}")
    fields = [(k, v) for k, v in reader.fields if k not in values] + list(values.items())
    data = urllib.parse.urlencode(fields).encode()
    with browser.open(url, data=data, timeout=600) as answer:
        if not count_lines:
            answer.read()
            return 0, answer.status
        lines = 0
        while chunk := answer.read(1 << 16):
            lines += chunk.count(b"\n")
        return lines, answer.status


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_wrk()
    with Bench(args) as bench:
        bench.prepare()
        print(bench.describe(), flush=True)
        bench.warm_up()
        reads = [name for name in args.scenarios if name in READ_ONLY]
        rounds: dict[str, list[ScenarioResult]] = {name: [] for name in reads}
        per_round = max(2, round(args.duration / max(args.rounds, 1)))
        for _ in range(max(args.rounds, 1) if reads else 0):
            for name in reads:
                rounds[name].append(bench.run_scenario(name, seconds=per_round))
        # The two sign flows likewise, when both run: their ratio is what is checked.
        paired = [name for name in PAIRED_SIGNING if name in args.scenarios]
        if len(paired) < len(PAIRED_SIGNING):
            paired = []
        rounds |= {name: [] for name in paired}
        for _ in range(max(args.rounds, 1) if paired else 0):
            for name in paired:
                rounds[name].append(bench.run_scenario(name, seconds=per_round))
                time.sleep(1)
        bare_rate = None
        for name in args.scenarios:
            if name in READ_ONLY or name in paired:
                result = combine_rounds(rounds[name])
            else:
                result = bench.run_scenario(name)
                time.sleep(1)
            bench.results[name] = result
            if name == "bare":
                bare_rate = result.rate
            print(format_result(result, bare_rate), flush=True)
        print(f"machine after the scenarios: {machine_load()}", flush=True)
        checks = [] if args.only_export else bench.loss_checks()
        if (protected := bench.protected_signing_check()) is not None:
            checks.append(protected)
        checks += bench.wall_pages_checks()
        for _ok, line in checks:
            print(line, flush=True)
        if not args.skip_export:
            print(bench.export(), flush=True)
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
