"""The "This wasn't me" link of reminders: a GET shows a button and changes nothing (mail
scanners follow links); the POST removes the pending signature (campaign.petitions.disowning)."""

from __future__ import annotations

from flask import current_app, render_template, request

from campaign.extensions import db
from campaign.petitions.disowning import (
    Disowned,
    SignatureGone,
    disown_signature,
    pending_petition_of,
    public_id_from_disown_token,
)
from campaign.public.views import bp
from campaign.web.forgery import require_same_origin
from campaign.web.tokens import ExpiredToken, InvalidToken

_PROBLEMS = {"invalid": 400, "expired": 410, "used": 410}


@bp.route("/not-me/<token>", methods=["GET", "POST"])
def not_me(token: str):
    config = current_app.config
    try:
        public_id = public_id_from_disown_token(
            config["SECRET_KEY"], token, max_age=config["SIGNATURE_TOKEN_MAX_AGE"]
        )
        if request.method == "GET":
            _, confirmed = pending_petition_of(db.session, public_id)
            page = "public/not_me_done.html" if confirmed else "public/not_me.html"
            response = current_app.make_response(
                render_template(page, token=token, outcome=Disowned.CONFIRMED)
            )
        else:
            require_same_origin()
            outcome = disown_signature(db.session, public_id)
            db.session.commit()
            response = current_app.make_response(
                render_template("public/not_me_done.html", outcome=outcome)
            )
    except ExpiredToken:
        response = _problem("expired")
    except InvalidToken:
        response = _problem("invalid")
    except SignatureGone:
        db.session.rollback()
        response = _problem("used")
    # The token is a credential: keep it out of other sites' logs and out of caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


def _problem(problem: str):
    page = render_template("public/not_me_problem.html", problem=problem)
    return current_app.make_response((page, _PROBLEMS[problem]))
