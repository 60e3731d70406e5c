"""Browser tests (a package, so that its conftest and helpers do not shadow tests/conftest.py)."""
