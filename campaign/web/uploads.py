"""Serving uploaded images. Names are content hashes, so a file never changes: cache it forever."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from campaign.web.images import STORED_NAME

bp = Blueprint("uploads", __name__)
ONE_YEAR = 365 * 24 * 3600


@bp.get("/uploads/<name>")
def uploaded(name: str):
    if not STORED_NAME.match(name):
        abort(404)
    response = send_from_directory(current_app.config["UPLOAD_DIR"], name, max_age=ONE_YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
