"""Authoring campaigns and petitions (texts per language, slugs, the status workflow) and who
may see and change them.

May import: the root modules, `models`, `web`, `mail` and `audit`. Never another feature
package nor a blueprint.
"""
