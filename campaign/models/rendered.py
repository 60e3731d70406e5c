"""Texts whose Markdown `body` is stored beside its sanitised HTML, rendered when saved.

Pages then read the stored HTML instead of parsing and sanitising on every view. A rendering
made under other rules than campaign.text.markdown's current ones (a new sanitiser version, a tag no
longer allowed) is never served: `body_markup` renders afresh until `refresh_stale` (the
`campaign markdown refresh` command) has stored the new rendering.
"""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import String, Text, event, inspect, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from campaign.text.markdown import RULES, render_markdown


class RenderedBody:
    body: Mapped[str]
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # campaign.text.markdown.RULES when body_html was rendered.
    body_html_rules: Mapped[str | None] = mapped_column(String(16))

    def body_markup(self) -> Markup:
        if self.body_html_rules == RULES:
            return Markup(self.body_html)  # noqa: S704 (sanitised when stored, under these rules)
        return render_markdown(self.body)

    def render_body(self) -> None:
        self.body_html = str(render_markdown(self.body))
        self.body_html_rules = RULES


def _render_if_needed(_mapper, _connection, target: RenderedBody) -> None:
    if target.body_html_rules != RULES or inspect(target).attrs.body.history.has_changes():
        target.render_body()


event.listen(RenderedBody, "before_insert", _render_if_needed, propagate=True)
event.listen(RenderedBody, "before_update", _render_if_needed, propagate=True)


def refresh_stale(session: Session, models: list[type[RenderedBody]]) -> int:
    """Render again every text of `models` rendered under other rules; the number rendered."""
    refreshed = 0
    for model in models:
        stale = select(model).where(
            or_(model.body_html_rules.is_(None), model.body_html_rules != RULES)
        )
        for text in session.scalars(stale):
            text.render_body()
            refreshed += 1
    session.flush()
    return refreshed
