"""The OpenAPI 3.1 description of the public API, served at /api/v1/openapi.json.

Written by hand next to the views it describes; tests/test_api_docs.py runs schemathesis
against it over the app, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from campaign.config import LOCALES

_CACHE_CONTROL = {
    "description": "`public, max-age=5`: shared caches and browsers may keep the answer for "
    "five seconds.",
    "schema": {"type": "string"},
}
_ETAG = {
    "description": "A strong validator of the body. Send it back in `If-None-Match` to get "
    "`304 Not Modified` while nothing has changed.",
    "schema": {"type": "string"},
}
_NO_STORE = {"description": "Errors are never cached: `no-store`.", "schema": {"type": "string"}}


def _ok(description: str, schema_ref: str) -> dict:
    return {
        "description": description,
        "headers": {
            "ETag": {**_ETAG, "required": True},
            "Cache-Control": {**_CACHE_CONTROL, "required": True},
        },
        "content": {"application/json": {"schema": {"$ref": schema_ref}}},
    }


def _error(description: str) -> dict:
    return {
        "description": description,
        "headers": {"Cache-Control": {**_NO_STORE, "required": True}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_NOT_MODIFIED = {
    "description": "The `If-None-Match` validator still matches: use the copy you have. No body.",
    "headers": {"ETag": _ETAG, "Cache-Control": _CACHE_CONTROL},
}

_PETITION = {
    "type": "object",
    "required": [
        "slug",
        "title",
        "url",
        "signature_count",
        "signature_count_display",
        "signature_count_text",
        "goal",
        "status",
        "closes_at",
        "campaign",
        "outcome",
        "outcome_at",
    ],
    "properties": {
        "slug": {"type": "string", "description": "The petition's name in URLs."},
        "title": {
            "type": "string",
            "description": "In the language asked for, or in the petition's default language "
            "when it has no text in that one.",
        },
        "url": {
            "type": "string",
            "format": "uri",
            "description": "The petition's page, in the language asked for.",
        },
        "signature_count": {
            "type": "integer",
            "minimum": 0,
            "description": "Confirmed signatures. Pending ones never count.",
        },
        "signature_count_display": {
            "type": "string",
            "description": "The count formatted for the language asked for, e.g. `12,345` "
            "(en), `12 345` (fr).",
        },
        "signature_count_text": {
            "type": "string",
            "description": "A sentence with the count and the right plural, e.g. `12,345 "
            "signatures`.",
        },
        "goal": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "The current goal. A petition may raise it by itself when it is "
            "reached, to the next step of 1, 2, 5, 10, 20, 50…",
        },
        "status": {"type": "string", "enum": ["open", "closed"]},
        "closes_at": {"type": ["string", "null"], "format": "date-time"},
        "campaign": {"type": "string", "description": "The slug of the petition's campaign."},
        "outcome": {
            "type": ["string", "null"],
            "enum": ["victory", "response", "delivered", "closed", None],
            "description": "What came of the petition, as its latest update with an outcome "
            "said: a victory, a response from the target, delivered, or closed. Null until "
            "one is recorded.",
        },
        "outcome_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the update recording the outcome went out.",
        },
    },
}


_SIGNATURE = {
    "type": "object",
    "description": "A confirmed signature, shaped after OSDI's signature resource; the same "
    "as the body of a `signature.confirmed` webhook.",
    "required": ["identifier", "action_date", "petition", "person", "custom_fields"],
    "properties": {
        "identifier": {"type": "string", "description": "`campaign:` and a random id."},
        "action_date": {"type": "string", "format": "date-time", "description": "Confirmed at."},
        "created_date": {"type": "string", "format": "date-time", "description": "Signed at."},
        "petition": {
            "type": "object",
            "required": ["identifier", "slug"],
            "properties": {"identifier": {"type": "string"}, "slug": {"type": "string"}},
        },
        "person": {
            "type": "object",
            "properties": {
                "email_addresses": {"type": "array", "items": {"type": "object"}},
                "postal_addresses": {"type": "array", "items": {"type": "object"}},
                "languages_spoken": {"type": "array", "items": {"type": "string"}},
            },
        },
        "custom_fields": {
            "type": "object",
            "description": "full_name, consent_text, consent_version, consented_at, opt_in, "
            "source_channel, referrer.",
        },
    },
}


_COUNTRIES = {
    "type": "object",
    "required": ["countries", "other", "updated_at"],
    "properties": {
        "countries": {
            "type": "array",
            "description": "Countries with at least `COUNTRY_MIN_COUNT` (10 by default) "
            "confirmed signatures, most first.",
            "items": {
                "type": "object",
                "required": ["code", "name", "count"],
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z]{2}$"},
                    "name": {"type": "string", "description": "In the language asked for."},
                    "count": {"type": "integer", "minimum": 1},
                },
            },
        },
        "other": {
            "type": "integer",
            "minimum": 0,
            "description": "Signatures from countries with fewer signers, counted together so "
            "that no one in a small country stands out.",
        },
        "updated_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the latest signature counted here was confirmed.",
        },
    },
}


def _staff_error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _staff_signatures() -> dict:
    return {
        "get": {
            "operationId": "listSignatures",
            "summary": "Confirmed signatures of a petition, for staff tools",
            "description": "Oldest confirmation first, at most 500 a page. Follow `next` until "
            "it is null; keep `resume` to fetch what is confirmed later. Signatures confirmed "
            "while you page come on later pages, never twice. Every call is audited. Needs a "
            "token made with `campaign tokens create --role exporter`.",
            "security": [{"bearerToken": []}],
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                    "example": "end-impunity-for-torture",
                },
                {
                    "name": "since",
                    "in": "query",
                    "required": False,
                    "description": "Only signatures confirmed at or after this time (ISO 8601).",
                    "schema": {"type": "string", "format": "date-time"},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "required": False,
                    "description": "`next` or `resume` from an earlier page; opaque.",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "A page of signatures.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/SignaturePage"}
                        }
                    },
                },
                "400": _staff_error("`since` is not a time, or the cursor was tampered with."),
                "401": _staff_error("No token, a wrong one, or a revoked one."),
                "404": _staff_error("No petition has this slug."),
                "429": _staff_error("Too many calls: wait as long as `Retry-After` says."),
            },
        }
    }


def openapi_document() -> dict:
    lang = {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "The language of titles, URLs and formatted counts.",
        "schema": {"type": "string", "enum": list(LOCALES), "default": "en"},
    }
    if_none_match = {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "The `ETag` of a copy you already have.",
        "schema": {"type": "string"},
    }
    bad_lang = _error("`lang` is not one of the supported languages.")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Campaign platform public API",
            "version": "1.0.0",
            "description": "Read-only figures for showing petition counters on other sites. "
            "No key, no cookies; answers are cacheable and support conditional requests. "
            "Please poll no more often than every five seconds. Under `/staff/`, the "
            "organisation's own tools read signatures with a bearer token.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/petitions": {
                "get": {
                    "operationId": "listPetitions",
                    "summary": "Open petitions",
                    "parameters": [lang, if_none_match],
                    "responses": {
                        "200": _ok(
                            "Every petition open to signatures.",
                            "#/components/schemas/PetitionList",
                        ),
                        "304": _NOT_MODIFIED,
                        "400": bad_lang,
                    },
                }
            },
            "/petitions/{slug}": {
                "get": {
                    "operationId": "getPetition",
                    "summary": "One petition and its counter",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1},
                            "example": "end-impunity-for-torture",
                        },
                        lang,
                        if_none_match,
                    ],
                    "responses": {
                        "200": _ok("The petition.", "#/components/schemas/Petition"),
                        "304": _NOT_MODIFIED,
                        "400": bad_lang,
                        "404": _error("No published petition has this slug."),
                    },
                }
            },
            "/staff/petitions/{slug}/signatures": _staff_signatures(),
            "/petitions/{slug}/countries": {
                "get": {
                    "operationId": "getPetitionCountries",
                    "summary": "One petition's confirmed signatures by country",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1},
                            "example": "end-impunity-for-torture",
                        },
                        lang,
                        if_none_match,
                    ],
                    "responses": {
                        "200": _ok("Signatures by country.", "#/components/schemas/Countries"),
                        "304": _NOT_MODIFIED,
                        "400": bad_lang,
                        "404": _error("No published petition has this slug."),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `campaign tokens create`.",
                }
            },
            "schemas": {
                "Petition": _PETITION,
                "Signature": _SIGNATURE,
                "SignaturePage": {
                    "type": "object",
                    "required": ["signatures", "next", "resume"],
                    "properties": {
                        "signatures": {
                            "type": "array",
                            "maxItems": 500,
                            "items": {"$ref": "#/components/schemas/Signature"},
                        },
                        "next": {"type": ["string", "null"]},
                        "resume": {"type": "string"},
                    },
                },
                "Countries": _COUNTRIES,
                "PetitionList": {
                    "type": "object",
                    "required": ["petitions"],
                    "properties": {
                        "petitions": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Petition"},
                        }
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "integer"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
            },
        },
    }
