"""Updates: what staff tell a petition's signers (composing, the audience, queuing in batches
by the worker, the outcome an update records) and the `campaign updates` commands.

A feature package: may import the layers below the features (text, models, web, mail, audit)
and `petitions`. The blueprints and the command line import it; no feature does.
"""
