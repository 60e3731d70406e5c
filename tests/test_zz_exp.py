import sqlite3
from sqlalchemy import select, func
from campaign.extensions import db
from campaign.models import Signature, OutboxEmail, utcnow
from campaign.signing import sign_petition, SignatureData

def test_rollback(app, make_petition, session):
    p = make_petition()
    print(sqlite3.sqlite_version, db.engine.dialect.name)
    data = SignatureData(name="Ann", email="ann@example.org", country="FR", consent_text="ok")
    sign_petition(session, p, data, locale="en", now=utcnow(), secret_key=app.config["SECRET_KEY"])
    session.rollback()
    print(session.scalar(select(func.count()).select_from(Signature)), session.scalar(select(func.count()).select_from(OutboxEmail)))
    assert session.scalar(select(func.count()).select_from(Signature)) == 0
