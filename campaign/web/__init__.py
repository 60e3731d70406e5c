"""What every request passes through: security headers, framing, forgery checks, the honeypot,
raw input checks, client addresses and their pseudonyms, rate limits, error pages, the page
cache, templating, languages, links, tokens, Markdown, uploads, health and well-known files, and
what operators see of requests (request ids, JSON logs, Prometheus counters).

May import: the root modules (config, extensions, database) and `models`. Never a feature
package (`mail`, `audit`, `petitions`, `campaigns`, `statements`, `privacy`) nor a blueprint.
"""
