"""`pip install` of the built wheel gives a working platform, away from the checkout: templates,
static files, migrations and compiled catalogues travel inside the package."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from campaign.config import ROOT

# What a source tree holds that the wheel must not need.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "instance", "build", "dist", "*.egg-info", "__pycache__",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "*.mo", "tests", "bench", "docs",
)  # fmt: skip

SERVE = """
import json
import campaign, campaign.config
from flask_migrate import upgrade
from campaign import create_app

app = create_app()
with app.app_context():
    upgrade()
client = app.test_client()
page = client.get("/fr/", base_url="https://localhost")
style = client.get("/static/css/site.css", base_url="https://localhost")
print(json.dumps({
    "package": campaign.__file__,
    "root": str(campaign.config.ROOT),
    "status": page.status_code,
    "html": page.get_data(as_text=True),
    "style": style.status_code,
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of this source tree, offline, with this environment's
    setuptools (the `test` extra requires one that reads the project's metadata)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(work / "dist"), str(source)],
        check=True,
        cwd=work,
    )  # fmt: skip
    [built] = (work / "dist").glob("campaign-*.whl")
    return built


def test_the_wheel_carries_templates_static_files_migrations_and_compiled_catalogues(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "campaign/templates/base.html",
        "campaign/templates/_macros/text.html",
        "campaign/static/css/site.css",
        "campaign/migrations/env.py",
        "campaign/migrations/versions/5e0bcecd93c2_initial_schema.py",
        *(f"campaign/translations/{lang}/LC_MESSAGES/messages.mo" for lang in ("fr", "es", "ar")),
    ):
        assert expected in names


def test_an_installed_wheel_serves_french_pages_from_a_folder_that_is_not_the_checkout(
    wheel, tmp_path
):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True,
    )  # fmt: skip
    # The dependencies come from this environment (no network); the platform from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "CAMPAIGN_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "MAIL_URL": "smtp://127.0.0.1:9",
        "BASE_URL": "https://localhost",
        "DATABASE_URL": f"sqlite:///{elsewhere / 'campaign.sqlite3'}",
        "RATELIMIT_ENABLED": "0",
    }
    ran = subprocess.run(
        [str(python), "-c", SERVE], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    served = json.loads(ran.stdout.strip().splitlines()[-1])
    assert served["package"].startswith(site)
    assert served["root"] == str(Path(served["package"]).parent)
    assert served["status"] == 200 and served["style"] == 200
    assert '<html lang="fr" dir="ltr">' in served["html"]
    assert '<h1 class="page-title">Passez à l’action</h1>' in served["html"]


def test_production_refuses_to_start_without_compiled_catalogues(migrated_database, tmp_path):
    from conftest import base_config

    from campaign import create_app
    from campaign.config import ConfigError

    shutil.copytree(ROOT / "translations", tmp_path / "translations", ignore=NOT_SOURCE)
    config = base_config(
        migrated_database,
        CAMPAIGN_ENV="production",
        BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"),
    )
    with pytest.raises(ConfigError, match="catalogues for fr, es, ar are missing"):
        create_app(config)
