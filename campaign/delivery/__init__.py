"""Delivering a petition: the signed pack handed to its target (signatures.csv, summary.pdf,
manifest.json), the platform's signing key, signers' receipts, and signatures by country.

May import: the root modules, the layers below features (`text`, `models`, `web`, `mail`,
`audit`), `petitions`, and `privacy` for its CSV writer. Never a blueprint.
"""
