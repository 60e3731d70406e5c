"""Development mailbox: every email in the outbox, readable in the browser.

Registered only when no SMTP server is configured and never in production (see config).
"""

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import OutboxEmail

bp = Blueprint("devmail", __name__, url_prefix="/dev/mailbox")


@bp.get("/")
def inbox():
    emails = db.session.scalars(
        select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(100)
    ).all()
    return render_template("devmail/inbox.html", emails=emails)


@bp.get("/<int:email_id>")
def message(email_id: int):
    email = db.session.get(OutboxEmail, email_id)
    if email is None:
        abort(404)
    text, _html = email.bodies()
    return render_template("devmail/message.html", email=email, text=text)
