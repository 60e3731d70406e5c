"""Campaign and petition platform."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from campaign.config import INSTANCE, LOCALES, ROOT, ConfigError, Settings, engine_options

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. `config` overrides what the environment says (tests use it)."""
    settings = Settings.from_environ()
    settings.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    app.config.update(settings.flask_config())
    if config:
        app.config.update(config)
    # Decided after the overrides, so that they follow the database and mail server in use.
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    # A page showing every outgoing email: only without SMTP, and never in production,
    # because it would publish signers' addresses.
    app.config.setdefault(
        "DEV_MAILBOX", app.config["CAMPAIGN_ENV"] != "production" and not app.config["MAIL_URL"]
    )
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    _configure_logging(app)
    for warning in settings.warnings():
        log.warning(warning)
    _check_catalogues(app)
    from campaign.web.observability import init_observability

    # First, so that every later hook's refusal still gets a request id and a duration.
    init_observability(app)
    _init_extensions(app)
    _register_blueprints(app)

    from campaign.web.compression import init_compression
    from campaign.web.errors import register_error_handlers
    from campaign.web.inputs import refuse_nul_in_path
    from campaign.web.links import redirect_on_base_url
    from campaign.web.security_headers import init_security_headers
    from campaign.web.templating import register_template_helpers

    register_error_handlers(app)
    app.before_request(refuse_nul_in_path)
    app.before_request(redirect_on_base_url)
    register_template_helpers(app)
    init_security_headers(app)
    init_compression(app)

    from campaign.cli import register_commands

    register_commands(app)
    return app


def _check_catalogues(app: Flask) -> None:
    """Without its compiled catalogue a language is served in English, with no error anywhere:
    production refuses to start, other environments say so."""
    from pathlib import Path

    from campaign.web.translations import missing_catalogues

    missing = missing_catalogues(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    if not missing:
        return
    problem = (
        f"the compiled catalogues for {', '.join(missing)} are missing, so those pages would be "
        "in English: run `campaign translations compile` (a built wheel carries them)"
    )
    if app.config["CAMPAIGN_ENV"] == "production":
        raise ConfigError(problem)
    log.warning(problem)


def _configure_logging(app: Flask) -> None:
    if app.debug or app.testing:
        return
    if app.config["LOG_FORMAT"] == "json":
        from campaign.web.observability import JsonFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[handler])
    else:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    import campaign.models  # noqa: F401  (registers the tables on the metadata)
    from campaign.database import init_database
    from campaign.extensions import babel, csrf, db, limiter, login_manager, migrate
    from campaign.mail.addresses import init_address_policy
    from campaign.models.types import render_migration_type
    from campaign.staff.sessions import load_user
    from campaign.web import pagecache
    from campaign.web.i18n import select_locale

    init_database(app)
    init_address_policy(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_type,
    )
    babel.init_app(app, locale_selector=select_locale, default_domain="messages")
    csrf.init_app(app)
    limiter.init_app(app)
    # Staff templates get current_user from the staff blueprint; the app-wide processor and the
    # remember-me hook would read the session on every response, and a public page that reads
    # the session is sent with `Vary: Cookie`, which shared caches will not keep.
    login_manager.init_app(app, add_context_processor=False)
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    login_manager.user_loader(load_user)
    pagecache.init_app(app)
    app.config.setdefault("LOCALES", LOCALES)


def _register_blueprints(app: Flask) -> None:
    # Modules that add routes to the public blueprint must run before it is registered.
    import campaign.public.delivery  # noqa: F401
    import campaign.public.not_me  # noqa: F401
    import campaign.public.unsubscribe  # noqa: F401
    import campaign.public.wall  # noqa: F401
    from campaign.api.staff import bp as staff_api_bp
    from campaign.api.views import bp as api_bp
    from campaign.extensions import csrf
    from campaign.operations.readiness import bp as readiness_bp
    from campaign.public.embed import bp as embed_bp
    from campaign.public.outreach import bp as outreach_bp
    from campaign.public.sitefiles import bp as sitefiles_bp
    from campaign.public.sitemap import bp as sitemap_bp
    from campaign.public.statements import bp as statements_bp
    from campaign.public.views import bp as public_bp
    from campaign.public.views import root as root_bp
    from campaign.staff import bp as staff_bp
    from campaign.web.health import bp as health_bp
    from campaign.web.uploads import bp as uploads_bp
    from campaign.web.wellknown import bp as wellknown_bp

    # Public forms carry no session token (their pages are cached); campaign.web.forgery
    # guards them.
    csrf.exempt(public_bp)
    csrf.exempt(statements_bp)
    app.register_blueprint(root_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(statements_bp)
    app.register_blueprint(sitemap_bp)
    app.register_blueprint(sitefiles_bp)
    app.register_blueprint(outreach_bp)
    app.register_blueprint(embed_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(staff_api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(readiness_bp)
    if app.config["METRICS_TOKEN"]:
        from campaign.operations.metrics import bp as metrics_bp

        app.register_blueprint(metrics_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(wellknown_bp)
    if app.config["DEV_MAILBOX"]:
        from campaign.mail.devmail import bp as devmail_bp

        app.register_blueprint(devmail_bp)
    if app.config["BENCH_BARE_ENDPOINT"]:
        from campaign.web.bare import bp as bare_bp

        app.register_blueprint(bare_bp)
