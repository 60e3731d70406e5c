"""Data protection: erasure requests, the retention purge and the audited signature export,
with their command-line tools.

May import: the root modules, `models`, `web`, `mail`, `audit`, `petitions` and `wall` (posts
and their photos go with the rest of a mailbox). Never
`campaigns`, `statements` nor a blueprint.
"""
