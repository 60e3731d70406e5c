"""A real webhook receiver on loopback (http.server in a thread), and signing by HTTP."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import free_port
from helpers import confirm_link, outbox, sign_fields
from sqlalchemy import update

from campaign.extensions import db
from campaign.integrations.endpoints import add_endpoint
from campaign.models import OutboxEmail, WebhookDelivery, utcnow


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Records every POST and answers `status`; on a port chosen now, started when told, so a
    test can point an endpoint at it while nothing listens there yet."""

    def __init__(self, status: int = 204, hold: threading.Event | None = None):
        self.port = free_port()
        # When given, each answer waits until it is set (20 s at most): a receiver that is slow.
        self.hold = hold
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.status = status
        self.received: list[Received] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # kept alive, as the worker's connections are

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.path, dict(self.headers), body))
                if receiver.hold is not None:
                    receiver.hold.wait(timeout=20)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def sign_and_confirm(app, client, slug: str, email: str, **fields: str) -> None:
    """Sign as a browser does, then confirm with the link of the email it caused."""
    response = client.post(f"/en/petitions/{slug}", data=sign_fields(email=email, **fields))
    assert response.status_code == 200
    [email_row] = outbox(app, OutboxEmail.to_address == email)
    link = confirm_link(email_row.text_body)
    confirmed = client.post(link.replace("http://localhost", ""))
    assert confirmed.status_code in (200, 303), confirmed.status_code


def send_update(runner, folder, slug: str) -> None:
    """`campaign updates send` of a short English update to the petition's opted-in signers."""
    message = folder / "en.md"
    message.write_text("Subject: We won\n\nThank you.", encoding="utf-8")
    sent = runner.invoke(
        args=["updates", "send", "--petition", slug, "--message-file", f"en={message}", "--yes"]
    )
    assert sent.exit_code == 0, sent.output


def retries_due_now(app) -> None:
    """What waiting out the backoff would do, without the wait."""
    with app.app_context():
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .values(next_attempt_at=utcnow())
        )
        db.session.commit()


def subscribe_to_confirmations(app) -> None:
    """An endpoint subscribed to every petition's confirmations, at a loopback port nothing
    listens on: each confirmation then queues a delivery, never sent during the test."""
    with app.app_context():
        add_endpoint(
            db.session,
            "http://127.0.0.1:9/hooks",
            "signature.confirmed",
            petition_slug=None,
            allow_http=True,
            base_url=app.config["BASE_URL"],
            actor_id=None,
            origin=None,
        )
        db.session.commit()
