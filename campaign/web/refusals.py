"""What the domain's refusals of a form have in common."""

from __future__ import annotations


class InvalidFields(Exception):
    """Some fields are wrong; `errors` maps field names to problem keys, which the views turn
    into translated messages next to the fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors
