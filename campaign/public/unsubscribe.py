"""The unsubscribe link every update carries.

A GET shows a choice and a button and changes nothing: mail scanners follow links. The form's
POST suppresses what the person chose. A mail provider's one-click POST (RFC 8058: the body
`List-Unsubscribe=One-Click`, no cookie, no Origin) stops the campaign's updates at once.
"""

from __future__ import annotations

from flask import current_app, render_template, request

from campaign.extensions import db
from campaign.mail.suppressions import (
    Subscriber,
    UnknownSigner,
    stop_updates,
    subscriber_from_token,
)
from campaign.public.views import bp
from campaign.web.forgery import require_same_origin
from campaign.web.inputs import require_utf8_form
from campaign.web.tokens import InvalidToken

# What the page offers: this campaign's updates, or everything the organisation sends.
CHOICES = ("campaign", "all")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    try:
        subscriber = subscriber_from_token(db.session, current_app.config["SECRET_KEY"], token)
        if request.method == "GET":
            response = current_app.make_response(
                render_template("public/unsubscribe.html", token=token, choices=CHOICES)
            )
        else:
            require_same_origin()
            require_utf8_form()
            response = _unsubscribe(subscriber)
    except UnknownSigner:
        response = _problem("gone", 404)
    except InvalidToken:
        response = _problem("invalid", 400)
    # The token is a credential: keep it out of other sites' logs and out of caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


def _unsubscribe(subscriber: Subscriber):
    if request.form.get("List-Unsubscribe") == "One-Click":
        choice = "campaign"
    else:
        choice = request.form.get("scope", "")
        if choice not in CHOICES:
            page = render_template(
                "public/unsubscribe.html", token=request.view_args["token"], choices=CHOICES
            )
            return current_app.make_response((page, 422))
    stop_updates(db.session, subscriber, everything=choice == "all")
    db.session.commit()
    return current_app.make_response(
        render_template("public/unsubscribed.html", everything=choice == "all")
    )


def _problem(problem: str, status: int):
    page = render_template("public/unsubscribe_problem.html", problem=problem)
    return current_app.make_response((page, status))
