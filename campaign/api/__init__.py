"""The public JSON API under /api/v1/ and its OpenAPI document.

A blueprint: may import every feature package, the layers below them and `public`; nothing
imports it but the factory.
"""
