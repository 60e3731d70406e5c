"""The wall of support: supporters' words and photos on a campaign, confirmed by email,
moderated by staff, reported by readers. Its pages are campaign.public.wall and
campaign.staff.wall.

May import: the root modules, `text`, `models`, `web`, `mail`, `audit` and `petitions` (the
rules a name and an address follow, and a signer's confirmed address). Never a blueprint.
"""
