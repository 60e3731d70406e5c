"""The receiver in docs/integrations.md, run as written against real deliveries."""

from __future__ import annotations

import re
import threading
from http.server import ThreadingHTTPServer

from conftest import free_port
from webhook_support import sign_and_confirm

from campaign.config import ROOT


def receiver_example() -> str:
    document = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    [code] = [
        block
        for block in re.findall(r"```python\n(.*?)```", document, re.S)
        if "class Receiver" in block
    ]
    return code


def test_the_documented_receiver_accepts_real_deliveries_and_refuses_forged_ones(
    app, client, runner, run_worker, make_petition, monkeypatch
):
    port = free_port()
    result = runner.invoke(
        args=["webhooks", "add", "--url", f"http://127.0.0.1:{port}/", "--events"]
        + ["signature.confirmed"]
    )
    secret = result.output.strip().splitlines()[-1]
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    example: dict = {"__name__": "receiver_example"}
    exec(compile(receiver_example(), "docs/integrations.md", "exec"), example)  # noqa: S102
    handled = []
    example["handle"] = lambda event, delivery, payload: handled.append((event, payload))
    server = ThreadingHTTPServer(("127.0.0.1", port), example["Receiver"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        petition = make_petition()
        sign_and_confirm(app, client, petition.slug, "ann@example.org")
        run_worker()
        [(event, payload)] = handled
        assert event == "signature.confirmed"
        assert payload["person"]["email_addresses"][0]["address"] == "ann@example.org"

        # The same body, signed with another secret or long ago, is refused.
        example["SECRET"] = b"not-the-secret"
        assert not example["verified"]("0", b"{}", "sha256=00")
        sign_and_confirm(app, client, petition.slug, "bob@example.org")
        run_worker()
        assert len(handled) == 1
    finally:
        server.shutdown()
        server.server_close()
