"""The organisation's own tools: signed webhooks fed by events written in the transaction of
the change that causes them, their delivery by the worker, and bearer tokens for the staff
signatures API.

A feature: may import the root modules and the layers below features (text, models, web, mail,
audit). Other features call campaign.integrations.events to record what happened, so this
package imports no feature.
"""
