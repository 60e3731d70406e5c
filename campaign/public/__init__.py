"""The public pages, by language: home, campaigns, petitions and signing, statements, the
embeddable widget, share pages, the sitemap.

A blueprint: may import every feature package and the layers below them; nothing imports it but
the factory and the API (which links to its pages).
"""
