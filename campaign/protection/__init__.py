"""Protected petitions (at-risk mode): signers' names, addresses and countries sealed to a key
pair whose private half never reaches the platform; key files, sealing and opening, the figures
a protected petition can still give, and decrypting its exports offline.

May import: models, web, mail, petitions and privacy (and the root modules). Never a blueprint.
"""
