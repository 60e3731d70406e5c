"""Where webhooks may point: no SSRF into the organisation's network, checked when an endpoint
is added and again when the worker connects; bad input refused with nothing stored."""

from __future__ import annotations

import pytest
from helpers import count
from sqlalchemy import select
from webhook_support import Receiver, sign_and_confirm

from campaign.extensions import db
from campaign.integrations.delivery import Client, DeliveryFailed
from campaign.integrations.endpoints import target_of, url_problem
from campaign.models import AuditEvent, WebhookDelivery, WebhookEndpoint

PUBLIC = "93.184.216.34"


def public_resolver(host: str, port: int) -> list[str]:
    return {"mixed.example.org": [PUBLIC, "10.1.2.3"]}.get(host, [PUBLIC])


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://crm.example.org/hooks", None),
        ("https://crm.example.org:8443/hooks?list=1", None),
        ("", "required"),
        ("ftp://crm.example.org/hooks", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("crm.example.org/hooks", "scheme"),
        ("https://user:secret@crm.example.org/hooks", "credentials"),
        ("https://token@crm.example.org/hooks", "credentials"),
        ("http://crm.example.org/hooks", "http"),
        ("https://petitions.example.org/staff", "platform"),
        ("https://crm.example.org:notaport/", "invalid"),
        ("https://crm.example.org/a b", "invalid"),
        ("https://mixed.example.org/hooks", "private"),
    ],
)
def test_urls_in_production(url, problem):
    assert (
        url_problem(
            url,
            allow_http=False,
            base_url="https://petitions.example.org",
            resolver=public_resolver,
        )
        == problem
    )


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 (an address refused, not one bound)
        "[::1]",
        "[fe80::1]",
        "[fd00::1]",
        "[::ffff:127.0.0.1]",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(host):
    url = f"https://{host}/hooks"
    assert url_problem(url, allow_http=False, base_url="https://p.example.org") == "private"
    assert url_problem(url, allow_http=True, base_url="https://p.example.org") is None


def test_allowing_http_still_refuses_credentials_other_schemes_and_the_platform():
    base = "http://127.0.0.1:5000"
    assert url_problem("http://10.0.0.5:8080/h", allow_http=True, base_url=base) is None
    assert url_problem("http://a:b@10.0.0.5/h", allow_http=True, base_url=base) == "credentials"
    assert url_problem("gopher://10.0.0.5/h", allow_http=True, base_url=base) == "scheme"
    assert url_problem("http://127.0.0.1:5000/api", allow_http=True, base_url=base) == "platform"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--url", "ftp://crm.example.org", "--events", "signature.confirmed"], "url:"),
        (["--url", "https://u:p@crm.example.org", "--events", "signature.confirmed"], "password"),
        (["--url", "http://localhost/hooks", "--events", "signature.confirmed"], "platform"),
        (["--url", "https://crm.example.org", "--events", "signature.signed"], "choose among"),
        (["--url", "https://crm.example.org", "--events", " , "], "at least one event"),
        (
            ["--url", "https://crm.example.org", "--events", "signature.confirmed"]
            + ["--petition", "no-such-petition"],
            "no petition",
        ),
    ],
)
def test_the_cli_refuses_bad_input_and_stores_nothing(app, runner, arguments, message):
    result = runner.invoke(args=["webhooks", "add", *arguments])
    assert result.exit_code != 0 and message in result.output
    assert count(app, WebhookEndpoint) == 0 and count(app, AuditEvent) == 0


def test_production_refuses_http_unless_allowed(make_app):
    strict = make_app(WEBHOOKS_ALLOW_HTTP=False)
    refused = strict.test_cli_runner().invoke(
        args=["webhooks", "add", "--url", "http://127.0.0.1:9/h", "--events", "petition.closed"]
    )
    assert refused.exit_code != 0 and "WEBHOOKS_ALLOW_HTTP" in refused.output
    assert count(strict, WebhookEndpoint) == 0


def test_the_worker_checks_the_address_again_when_it_connects(make_app, make_petition):
    """An endpoint accepted while its name was public, pointing at loopback by the time the
    worker connects (DNS rebinding): nothing is sent, the delivery waits for its retry."""
    app = make_app()
    receiver = Receiver().start()
    try:
        petition = make_petition()
        with app.app_context():
            db.session.add(
                WebhookEndpoint(url=receiver.url, events="signature.confirmed", secret="s" * 64)
            )
            db.session.commit()
        sign_and_confirm(app, app.test_client(), petition.slug, "ann@example.org")
        strict = make_app(WEBHOOKS_ALLOW_HTTP=False)
        result = strict.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        assert receiver.received == []
        with app.app_context():
            delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert delivery.status == "pending" and "RefusedAddress" in delivery.last_error
    finally:
        receiver.stop()


def test_the_client_refuses_a_private_address_before_connecting():
    client = Client(allow_private=False)
    with pytest.raises(DeliveryFailed, match="RefusedAddress"):
        client.post(target_of("https://127.0.0.1:1/hooks"), b"{}", {})
