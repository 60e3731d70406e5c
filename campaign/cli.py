"""The `campaign` command: Flask's CLI over create_app, plus the platform's own commands.

Each command lives beside the feature it drives; this is the one place they are registered.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from campaign.campaigns.commands import petitions_group
from campaign.delivery.commands import delivery_pack_group, keys_group
from campaign.demo.commands import demo_command
from campaign.integrations.commands import tokens_group, webhooks_group
from campaign.integrations.delivery import deliver_webhooks
from campaign.mail.commands import worker_command
from campaign.operations.alerts import alert_for_worker
from campaign.operations.commands import backup_command, restore_command
from campaign.petitions.commands import reminders_group, signatures_group, signing_group
from campaign.petitions.deadlines import announce_passed_deadlines
from campaign.petitions.reminders import remind_for_worker
from campaign.privacy.commands import export_command, purge_command, suppressions_group
from campaign.protection.commands import (
    add_protection_command,
    decrypt_export_command,
    generate_protection_command,
)
from campaign.staff.commands import users_group
from campaign.statements.commands import endorsements_group
from campaign.updates.commands import updates_group
from campaign.updates.queuing import queue_due_updates
from campaign.web.markdown_commands import markdown_group
from campaign.web.translations import translations_group


def _create_app() -> Flask:
    from campaign import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Campaign and petition platform."""


# `campaign keys`: the delivery key (campaign.delivery) and protection keys for protected
# petitions (campaign.protection), under one group.
keys_group.add_command(generate_protection_command)
keys_group.add_command(add_protection_command)


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(worker_command)
    # What the worker does besides delivering (campaign.mail.commands).
    app.extensions["worker.tasks"] = (
        remind_for_worker,
        queue_due_updates,
        announce_passed_deadlines,
        alert_for_worker,
    )
    app.extensions["worker.background_tasks"] = (deliver_webhooks,)
    app.cli.add_command(reminders_group)
    app.cli.add_command(suppressions_group)
    app.cli.add_command(users_group)
    app.cli.add_command(translations_group)
    app.cli.add_command(endorsements_group)
    app.cli.add_command(export_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(signing_group)
    app.cli.add_command(signatures_group)
    app.cli.add_command(markdown_group)
    app.cli.add_command(updates_group)
    app.cli.add_command(webhooks_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(delivery_pack_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(petitions_group)
    app.cli.add_command(decrypt_export_command)
