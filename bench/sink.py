"""An SMTP sink on loopback for the benchmark: accepts every message, writes one line per
recipient to a log file, so the runner can check each email arrived exactly once.

    python -m bench.sink --port 2525 --log received.txt
"""

from __future__ import annotations

import argparse
import signal
import threading

from aiosmtpd.controller import Controller


class RecipientLog:
    def __init__(self, path: str):
        self._file = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (lives as long as the sink)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self._file.write(recipient + "\n")
        return "250 Message accepted for delivery"

    def close(self) -> None:
        self._file.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    handler = RecipientLog(args.log)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    handler.close()


if __name__ == "__main__":
    main()
