"""Email: what an address is and where mail goes, composing emails into the outbox, delivering
the outbox over SMTP, and the development mailbox.

May import: the root modules, `models` and `web`. Never a feature package nor a blueprint.
"""
