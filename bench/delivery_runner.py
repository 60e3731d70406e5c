"""The delivery-pack benchmark: a petition with a million confirmed signatures (from many
countries, each with a receipt), one `campaign delivery-pack` and one `campaign delivery-pack
verify`, each in a process of its own whose time and peak memory are measured.

Run it through `bench/delivery` (its targets: the pack under 60 s and 300 MB, verify
under 10 s). Every process it starts is its own child; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.runner import DEFAULT_POSTGRES, ROOT, Bench, bulk_insert_signatures, machine_load

PACK_SECONDS_TARGET = 60
PACK_MEMORY_TARGET_MB = 300
VERIFY_SECONDS_TARGET = 10
# Countries given to the bulk signatures in turn, so the pack has a real table by country.
COUNTRIES = ("FR", "SN", "MX", "EG", "AR", "BR", "IN", "PH", "TN", "CD", "MA", "CO")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/delivery", description="Build and verify a delivery pack; print figures."
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    args.two_servers, args.redis_url = False, None
    return args


class DeliveryBench(Bench):
    def prepare(self) -> None:
        self.env.update(
            {
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
                ),
                "CAMPAIGN_ENV": "production",
                "SECRET_KEY": os.urandom(32).hex(),
                # Nothing is sent: production only insists on a mail server being named.
                "MAIL_URL": "smtp://127.0.0.1:9",
                "MAIL_FROM": "Campaigns <campaigns@bench.example>",
                "DATABASE_URL": self.database_url(),
                "BASE_URL": "https://petitions.bench.example",
                "DELIVERY_KEY_FILE": str(self.tmp / "delivery-key.pem"),
            }
        )
        self.env.pop("REDIS_URL", None)
        os.environ.update(self.env)
        for command in (["translations", "compile"], ["db", "upgrade"], ["demo"]):
            self.campaign(*command)
        self.campaign("keys", "generate")
        from campaign import create_app

        self.app = create_app()
        self.pick_petition()

    def add_signatures(self, count: int) -> float:
        from sqlalchemy import text

        from campaign.extensions import db

        started = time.monotonic()
        with self.app.app_context():
            bulk_insert_signatures(db.session, self.petition_id, count, "pack", confirmed=True)
            postgresql = db.engine.dialect.name == "postgresql"
            receipt = (
                "md5(random()::text) || md5(random()::text)"
                if postgresql
                else "lower(hex(randomblob(32)))"
            )
            cases = " ".join(f"WHEN {n} THEN '{code}'" for n, code in enumerate(COUNTRIES))
            db.session.execute(
                text(
                    f"UPDATE signatures SET receipt_hash = {receipt}, "
                    f"country = CASE id % {len(COUNTRIES)} {cases} END "
                    "WHERE petition_id = :petition"
                ),
                {"petition": self.petition_id},
            )
            db.session.commit()
        return time.monotonic() - started

    def measured(self, *command: str) -> tuple[float, float, float, str]:
        """Run `campaign COMMAND` alone; (seconds, CPU seconds, its peak RSS in MB, output).
        On a shared machine the CPU time says more than the wall-clock time."""
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "campaign", *command],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        # wait4 gives this very child's peak RSS (ru_maxrss, KiB on Linux) once it has exited.
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        output = process.stdout.read().decode()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"campaign {' '.join(command)} failed:\n{output}")
        return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def line(name: str, value: float, unit: str, target: float) -> str:
    verdict = "ok" if value < target else "OVER TARGET"
    return f"{name:<28} {value:10.1f} {unit:<3} (target < {target:g} {unit}) {verdict}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with DeliveryBench(args) as bench:
        bench.prepare()
        seconds = bench.add_signatures(args.signatures)
        print(f"{args.signatures} confirmed signatures added in {seconds:.1f} s ({args.db})")
        print(machine_load())
        out = bench.tmp / "pack"
        pack_s, pack_cpu, pack_mb, output = bench.measured(
            "delivery-pack", bench.petition_slug, "--out", str(out)
        )
        print(output.strip())
        verify_s, verify_cpu, verify_mb, verified = bench.measured(
            "delivery-pack", "verify", str(out)
        )
        print(verified.strip())
        sizes = {p.name: p.stat().st_size / 1e6 for p in out.iterdir()}
        print("files: " + ", ".join(f"{name} {mb:.1f} MB" for name, mb in sorted(sizes.items())))
        print(line("delivery-pack time", pack_s, "s", PACK_SECONDS_TARGET))
        print(f"{'delivery-pack CPU time':<28} {pack_cpu:10.1f} s")
        print(line("delivery-pack peak memory", pack_mb, "MB", PACK_MEMORY_TARGET_MB))
        print(line("verify time", verify_s, "s", VERIFY_SECONDS_TARGET))
        print(f"{'verify CPU time':<28} {verify_cpu:10.1f} s")
        print(f"{'verify peak memory':<28} {verify_mb:10.1f} MB")
        if args.keep:
            print(f"kept: {bench.tmp}")
        ok = (
            pack_s < PACK_SECONDS_TARGET
            and pack_mb < PACK_MEMORY_TARGET_MB
            and verify_s < VERIFY_SECONDS_TARGET
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
