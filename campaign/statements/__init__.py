"""Statements, urgent interventions and reports: authoring, listing, display, feeds and
organisations' endorsements. Their public pages are campaign.public.statements.

May import: the root modules, `text`, `models`, `web`, `mail`, `audit`, `petitions` and
`campaigns`. Never `privacy` nor a blueprint.
"""
