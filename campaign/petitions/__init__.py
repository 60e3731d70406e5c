"""The petition domain: signing and confirming, attribution and share links, pause switches,
signing speed and invalidation of floods, link-preview images, QR codes, dashboard figures,
passed deadlines told to the webhooks, and the command-line tools for a bad day.

May import: the root modules, `models`, `web`, `mail`, `audit` and `integrations` (to record
webhook events). Never `campaigns`, `statements`, `privacy` nor a blueprint.
"""
