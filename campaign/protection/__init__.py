"""Protected petitions (at-risk mode): signers' names, addresses and countries sealed to a key
pair whose private half never reaches the platform; key files, sealing and opening, and
decrypting its exports offline. (The figures a protected petition still gives come from the
clear country column: campaign.delivery.countries.)

May import: models, web, mail, petitions and privacy (and the root modules). Never a blueprint.
"""
