"""Worker tasks that wait on other servers, each on a thread of its own.

A webhook receiver answers when it answers: one taking 50 ms a call holds a round of 200
deliveries for ten seconds, one that hangs holds it for the whole timeout. Run between the
outbox's batches, that wait would be every signer's confirmation email's wait as well. Tasks
registered under `app.extensions["worker.background_tasks"]` (the same `(session, now) -> how
much they did` as `worker.tasks`) therefore run beside the outbox, each in its own loop with
its own database session; `campaign worker --once` still runs them in turn, for scripts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from campaign.extensions import db
from campaign.models import utcnow

log = logging.getLogger("campaign.worker")

Task = Callable[[Session, datetime], int]


class BackgroundTask:
    """`task` run again and again on a thread until stopped; after a round that did nothing,
    or failed, it waits `interval` seconds first."""

    def __init__(self, app: Flask, task: Task, *, interval: float):
        self.app = app
        self.task = task
        self.interval = interval
        self._stopping = threading.Event()
        # A daemon: a round still waiting on a receiver when the worker must go is abandoned
        # (stop() waits for it first); what it sent unrecorded is sent again, under the same
        # delivery id, once the endpoint's lease runs out.
        self._thread = threading.Thread(target=self._run, name=task.__name__, daemon=True)

    def start(self) -> BackgroundTask:
        self._thread.start()
        return self

    def stop(self, timeout: float) -> None:
        """Let the round under way finish, for at most `timeout` seconds."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            done = 0
            with self.app.app_context():
                try:
                    done = self.task(db.session, utcnow())
                except Exception as exc:  # the database or a receiver may be back next round
                    log.error("%s interrupted: %s", self.task.__name__, exc.__class__.__name__)
                finally:
                    db.session.remove()
            if done:
                log.info("%s by %s", done, self.task.__name__)
            else:
                self._stopping.wait(self.interval)
