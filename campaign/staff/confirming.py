"""A second page before an irreversible or site-wide action: the first request shows what will
happen; only a second POST carrying `confirm` acts. Plain forms, so it works without script,
and each POST carries its CSRF token like every staff form."""

from __future__ import annotations

from flask import render_template, request

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def is_confirmed() -> bool:
    return request.method == "POST" and request.form.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirmation_page(
    *,
    title: str,
    consequences: list[str],
    action: str,
    button: str,
    back: str,
    fields: dict[str, str] | None = None,
):
    return render_template(
        "staff/confirm.html",
        title=title,
        consequences=consequences,
        action=action,
        button=button,
        back=back,
        fields=fields or {},
        confirm_field=CONFIRM_FIELD,
        confirm_value=CONFIRM_VALUE,
    )
