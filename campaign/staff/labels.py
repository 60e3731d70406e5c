"""What staff read for the platform's codes (roles, statuses, audit actions, export columns)."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "campaigner": _l("Campaigner"),
    "exporter": _l("Exporter"),
}
CAMPAIGN_STATUS_LABELS = {
    "draft": _l("Draft"),
    "preview": _l("Preview"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}
PETITION_STATUS_LABELS = {
    "draft": _l("Draft"),
    "preview": _l("Preview"),
    "open": _l("Open"),
    "closed": _l("Closed"),
}
STATEMENT_STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
}
ENDORSEMENT_STATE_LABELS = {
    "pending": _l("Waiting for the contact to confirm"),
    "confirmed": _l("Waiting for approval"),
    "approved": _l("Approved"),
}
# The button that moves an item to a status.
CAMPAIGN_STATUS_ACTIONS = {
    "draft": _l("Back to draft"),
    "preview": _l("Preview for staff"),
    "published": _l("Publish"),
    "archived": _l("Archive"),
}
PETITION_STATUS_ACTIONS = {
    "draft": _l("Back to draft"),
    "preview": _l("Preview for staff"),
    "open": _l("Open for signatures"),
    "closed": _l("Close for good"),
}
STATEMENT_STATUS_ACTIONS = {
    "draft": _l("Unpublish"),
    "published": _l("Publish"),
}
# What each kind of email in the outbox is for (templates/email/<kind>.*).
EMAIL_KIND_LABELS = {
    "confirm_signature": _l("Signature confirmation"),
    "already_signed": _l("Already signed"),
    "signature_receipt": _l("Signature receipt"),
    "confirm_endorsement": _l("Endorsement confirmation"),
    "already_endorsed": _l("Already endorsed"),
    "invitation": _l("Staff invitation"),
    "password_reset": _l("Password reset"),
    "erasure_confirmation": _l("Erasure confirmation"),
}
ACTION_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "password_set": _l("Password set"),
    "password_reset_requested": _l("Password reset requested"),
    "invitation": _l("Invitation sent"),
    "invitation_resent": _l("Invitation sent again"),
    "invitation_revoked": _l("Invitation revoked"),
    "account_deactivated": _l("Account deactivated"),
    "account_reactivated": _l("Account reactivated"),
    "role_changed": _l("Role changed"),
    "export": _l("Signatures exported"),
    "erasure": _l("Signatures erased"),
    "purge": _l("Retention purge"),
    "signatures_invalidated": _l("Signatures invalidated"),
    "signing_paused": _l("Signing paused"),
    "signing_resumed": _l("Signing resumed"),
    "update_sent": _l("Update sent to signers"),
    "update_cancelled": _l("Update cancelled"),
    "suppressions_added": _l("Addresses suppressed"),
    "suppression_removed": _l("Suppression removed"),
    "webhook_added": _l("Webhook added"),
    "webhook_changed": _l("Webhook changed"),
    "api_token_created": _l("API token created"),
    "api_token_revoked": _l("API token revoked"),
    "api_signatures_read": _l("Signatures read through the API"),
    "delivery_pack": _l("Delivery pack built"),
    "petition_delivered": _l("Petition marked delivered"),
    "campaign_status_changed": _l("Campaign status changed"),
    "petition_status_changed": _l("Petition status changed"),
    "statement_status_changed": _l("Statement status changed"),
    "team_member_added": _l("Added to a campaign team"),
    "team_member_removed": _l("Removed from a campaign team"),
    "endorsement_approved": _l("Endorsement approved"),
    "endorsement_removed": _l("Endorsement removed"),
    "settings_changed": _l("Settings changed"),
}
UPDATE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Scheduled"),
    "queuing": _l("Adding recipients to the queue"),
    "queued": _l("Every recipient is queued"),
    "cancelled": _l("Cancelled"),
}
# Why an address gets no more updates (campaign.models.Suppression.reason).
SUPPRESSION_REASON_LABELS = {
    "unsubscribed": _l("Unsubscribed"),
    "bounced": _l("Refused by the mail server"),
    "complaint": _l("Complaint"),
    "not_me": _l("Someone else signed with the address"),
    "staff": _l("Added by staff"),
}
# Column names as the "target" and "records" files show them (the CRM preset keeps fixed names).
COLUMN_LABELS = {
    "signature_id": _l("Signature ID"),
    "petition": _l("Petition"),
    "name": _l("Name"),
    "email": _l("Email address"),
    "country": _l("Country code"),
    "country_name": _l("Country"),
    "signed_on": _l("Date signed (UTC)"),
    "signed_time": _l("Time signed (UTC)"),
    "signed_at": _l("Signed at (UTC)"),
    "confirmed_on": _l("Date confirmed (UTC)"),
    "confirmed_time": _l("Time confirmed (UTC)"),
    "confirmed_at": _l("Confirmed at (UTC)"),
    "newsletter": _l("Keep informed"),
    "locale": _l("Language"),
    "source_channel": _l("Channel"),
    "consent_version": _l("Consent text version"),
    "consent_text": _l("Consent text"),
    "consented_at": _l("Consent given at (UTC)"),
}
PRESET_LABELS = {
    "target": _l(
        "For the people the petition addresses: name, country and date, never email addresses"
    ),
    "records": _l("For our own records: everything, email addresses included"),
    "crm": _l("For our CRM (CiviCRM, Mailchimp…): everything, with standard column names"),
}
# Where a signer came from (Signature.source_channel, campaign.petitions.sharing.CHANNELS).
# Networks keep their own names; the rest is said in the staff member's language.
CHANNEL_LABELS = {
    "x": _l("X (Twitter)"),
    "facebook": "Facebook",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "linkedin": "LinkedIn",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "email": _l("Email"),
    "copy": _l("Copied link"),
    "embed": _l("Widget on another website"),
    "qr": _l("QR code"),
}
