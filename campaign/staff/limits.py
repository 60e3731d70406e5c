"""Limits per staff account on the login and password reset forms, whoever sends them."""

from __future__ import annotations

from flask import current_app, request

from campaign.mail.addresses import InvalidAddress, account_email
from campaign.web.pseudonyms import address_hash
from campaign.web.ratelimits import limit_posts


def per_account_email() -> str:
    """The account a login or reset form names, whoever sends it: guessing one account's
    password from many addresses hits this limit. Keyed on the address the account is looked
    up under, so every spelling of it (`Camp1@ｅxample.org`) shares one budget. Hashed, so no
    email is kept."""
    raw = request.form.get("email") or ""
    try:
        email = account_email(raw)
    except InvalidAddress:
        # Names no account, so any key will do; one per spelling keeps strangers apart.
        email = raw.strip().lower()
    return "account:" + address_hash(current_app.config["SECRET_KEY"], "account:" + email)


login_account_limit = limit_posts(
    "LOGIN_ACCOUNT_RATE_LIMIT", key_func=per_account_email, scope="login-account"
)
# A reset request sends an email: also limited per account, so no one is mail-bombed.
reset_account_limit = limit_posts(
    "PASSWORD_RESET_RATE_LIMIT", key_func=per_account_email, scope="password-reset-account"
)
