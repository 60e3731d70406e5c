"""Charts drawn on the server as SVG: readable without JavaScript, styled by CSS classes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
TOP, BOTTOM, START, END = 16, 28, 44, 8


def bar_chart_svg(
    points: Sequence[tuple[str, int]],
    *,
    title: str,
    description: str,
    id_prefix: str,
    number: Callable[[int], str] = str,
) -> Markup:
    """A bar chart of (label, value) points. Screen readers get the title and description;
    each bar names its label and value in a <title> tooltip. No inline styles: the page's CSS
    colours the `chart__*` classes."""
    plot_width = WIDTH - START - END
    plot_height = HEIGHT - TOP - BOTTOM
    highest = max((value for _label, value in points), default=0)
    scale = plot_height / highest if highest else 0
    slot = plot_width / max(len(points), 1)
    bar_width = max(slot * 0.8, 1)
    baseline = TOP + plot_height
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" direction="ltr" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
        f'<line class="chart__axis" x1="{START}" y1="{baseline}" x2="{WIDTH - END}" '
        f'y2="{baseline}"/>',
        f'<line class="chart__grid" x1="{START}" y1="{TOP}" x2="{WIDTH - END}" y2="{TOP}"/>',
        f'<text class="chart__label" x="{START - 6}" y="{TOP + 4}" text-anchor="end">'
        f"{escape(number(highest))}</text>",
        f'<text class="chart__label" x="{START - 6}" y="{baseline + 4}" text-anchor="end">'
        f"{escape(number(0))}</text>",
    ]
    for index, (label, value) in enumerate(points):
        bar_height = value * scale
        x = START + index * slot + (slot - bar_width) / 2
        parts.append(
            f'<rect class="chart__bar" x="{x:.1f}" y="{baseline - bar_height:.1f}" '
            f'width="{bar_width:.1f}" height="{bar_height:.1f}">'
            f"<title>{escape(label)}: {escape(number(value))}</title></rect>"
        )
    if points:
        for x, anchor, label in (
            (START, "start", points[0][0]),
            (WIDTH - END, "end", points[-1][0]),
        ):
            parts.append(
                f'<text class="chart__label" x="{x}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)
