"""Running the platform: /readyz, /metrics read from the database when scraped, the alert
emails the worker sends when mail is late or failing, and `campaign backup` / `restore`.

May import: the root modules and the layers below the features (`text`, `models`, `web`,
`mail`, `audit`). Never another feature nor a blueprint.
"""
