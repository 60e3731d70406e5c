"""Data protection: erasure requests, the retention purge and the audited signature export,
with their command-line tools.

May import: the root modules, `models`, `web`, `mail`, `audit` and `petitions`. Never
`campaigns`, `statements` nor a blueprint.
"""
