"""Light SVG figures for the live app: the policy space, time series and the scorecard.

The app redraws its figures after every step. Matplotlib needs 50-80 ms per figure on a
small machine (layout, text, PNG encoding), which caps a page of six figures near two
steps per second. These functions write the same figures as SVG text instead (a few
milliseconds each); the browser draws them, and because an SVG carries a ``viewBox`` it
scales to whatever cell the layout gives it, text included. Colours, marker shapes and
words come from :mod:`msisim.viz.style`, as in the notebooks and the reports.

Every figure is an ``<svg>`` with ``data-step`` (the model step it shows) and
``data-figure`` (its name), which the browser test reads.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from msisim.rules.lobbying import combined_tie
from msisim.scorecard import ARENAS, PRINCIPLES
from msisim.viz import style

#: Stakeholders drawn at most (a random but fixed subset for large populations).
MAX_DRAWN = 1500
#: Points per line at most in a time series (older steps are thinned evenly).
MAX_LINE_POINTS = 600
#: Width of a digit in em (a generous bound for the page's sans-serif fonts), used to keep
#: tick labels inside their figure.
TICK_CHAR_WIDTH = 0.62

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"


@lru_cache(maxsize=64)
def _pale(color: str, strength: float = 0.5) -> str:
    """``color`` mixed with white (an opaque stand-in for transparency, cheaper to draw)."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * strength) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _svg_open(width: int, height: int, name: str, step: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        'text-rendering="optimizeSpeed" '
        f'data-figure="{name}" data-step="{step}" role="img" aria-label="{html.escape(title)}" '
        f'preserveAspectRatio="xMidYMin meet" style="{FONT}">'
    )


def _text(x: float, y: float, text: str, *, size: float = 15, anchor: str = "middle",
          weight: str = "normal", fill: str = "#222", extra: str = "") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{fill}" {extra}>{html.escape(text, quote=False)}</text>'
    )


def marker_svg(marker: str, x: float, y: float, r: float, fill: str, edge: str = "black") -> str:
    """One marker in SVG, in the matplotlib shape ``marker`` (``* X o s D``), radius ``r``."""
    stroke = f'fill="{fill}" stroke="{edge}" stroke-width="{max(1.0, r / 6):.1f}"'
    if marker == "o":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {stroke}/>'
    if marker == "s":
        side = f'width="{2 * r:.1f}" height="{2 * r:.1f}"'
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" {side} {stroke}/>'
    if marker == "D":
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    elif marker == "*":
        pts = []
        for k in range(10):
            radius = r if k % 2 == 0 else r * 0.42
            angle = -math.pi / 2 + k * math.pi / 5
            pts.append((x + radius * math.cos(angle), y + radius * math.sin(angle)))
    elif marker == "X":
        a, b = r, r * 0.38
        unit = [(b, 0), (a, a - b), (a - b, a), (0, b), (b - a, a), (-a, a - b),
                (-b, 0), (-a, b - a), (b - a, -a), (0, -b), (a - b, -a), (a, b - a)]  # fmt: skip
        pts = [(x + u * 0.75, y + v * 0.75) for u, v in unit]
    else:
        raise ValueError(f"unknown marker {marker!r}; valid: * X o s D")
    points = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
    return f'<polygon points="{points}" {stroke}/>'


def _symbol(kind: str, color: str, marker: str = "o", edge: str = "none") -> str:
    """An 18 px legend symbol: a dot, a marker or a line."""
    if kind == "line":
        body = f'<line x1="1" y1="9" x2="17" y2="9" stroke="{color}" stroke-width="3"/>'
    else:
        body = marker_svg(marker, 9, 9, 7, color, edge)
    return f'<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">{body}</svg>'


def legend_html(category_names: Sequence[str], *, paid: bool = True) -> str:
    """The policy space's legend as HTML (large text that does not shrink with the figure)."""
    items = [(_symbol("dot", style.category_color(c)), style.category_label(c))
             for c in category_names]  # fmt: skip
    items.append((_symbol("dot", "#DDDDDD", "o", style.MEMBER_EDGE), "Forum member"))
    keys = ("public_ideal", "lobby_ideal", "policy", "ghost_policy") + (("paid",) if paid else ())
    for key in keys:
        mark = style.MARKS[key]
        items.append((_symbol("mark", mark.color, mark.marker, mark.edge), mark.label))
    items.append((_symbol("line", style.TRAIL_COLOR), "Policy's trail"))
    items.append((_symbol("line", style.LOBBY_COLOR), "Tie to the lobby"))
    body = "".join(
        f'<span class="msisim-key">{symbol}<span>{html.escape(label, quote=False)}</span></span>'
        for symbol, label in items
    )
    return f'<div class="msisim-legend">{body}</div>'


# --------------------------------------------------------------------------- policy space


def drawn_subset(n: int, seed: int) -> np.ndarray:
    """Indices of the stakeholders drawn: all, or a fixed random ``MAX_DRAWN`` of them."""
    if n <= MAX_DRAWN:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).permutation(n)[:MAX_DRAWN])


def policy_space_svg(model: Any, *, title: str | None = None, drawn: np.ndarray | None = None,
                     name: str = "policy-space") -> str:  # fmt: skip
    """The policy space of ``model`` (first two dimensions) as an SVG figure.

    Stakeholders are dots coloured by category; forum members are black-edged dots at the
    position they advocate; red lines join the lobby's ideal to tied members (opacity = tie
    strength); the policy's trail is a black line ending in the current policy; the public
    ideal and the lobby's ideal are the marks of :data:`msisim.viz.style.MARKS`.
    """
    width, height = 614, 602
    left, right, top, bottom = 72, 14, 40, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    st = model.stakeholders
    d = st.position.shape[1]

    def xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        points = np.atleast_2d(points)
        y = points[:, 1] if d > 1 else np.full(points.shape[0], 0.5)
        return left + points[:, 0] * plot_w, top + (1.0 - y) * plot_h

    title = title or f"{style.TEMPLATE_SHORT.get(model.params.design.membership, '')}"
    title = f"{title}, step {model.steps}"
    out = [_svg_open(width, height, name, model.steps, title)]
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fbfbfb" '
               'stroke="#555" stroke-width="1"/>')  # fmt: skip
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        gx, gy = left + v * plot_w, top + (1 - v) * plot_h
        out.append(f'<line x1="{gx:.1f}" y1="{top}" x2="{gx:.1f}" y2="{top + plot_h}" '
                   'stroke="#e4e4e4"/>')  # fmt: skip
        out.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{left + plot_w}" y2="{gy:.1f}" '
                   'stroke="#e4e4e4"/>')  # fmt: skip
        out.append(_text(gx, top + plot_h + 21, f"{v:g}", size=17))
        out.append(_text(left - 7, gy + 6, f"{v:g}", size=17, anchor="end"))
    out.append(_text(left + plot_w / 2, height - 6, "policy dimension 1", size=18))
    out.append(_text(20, top + plot_h / 2, "policy dimension 2", size=18,
                     extra=f'transform="rotate(-90 20 {top + plot_h / 2:.1f})"'))  # fmt: skip
    out.append(_text(width / 2, 27, title, size=22, weight="600"))
    out.append(f'<clipPath id="clip-{name}"><rect x="{left}" y="{top}" width="{plot_w}" '
               f'height="{plot_h}"/></clipPath><g clip-path="url(#clip-{name})">')  # fmt: skip

    drawn = drawn if drawn is not None else drawn_subset(st.n, 0)
    px, py = xy(st.position[drawn])
    cats = st.category[drawn]
    for code, cat in enumerate(model.category_names):
        sel = cats == code
        if not sel.any():
            continue
        path = "".join(f"M{a:.0f} {b:.0f}h0" for a, b in zip(px[sel], py[sel], strict=True))
        out.append(f'<path d="{path}" stroke="{_pale(style.category_color(cat))}" '
                   'stroke-width="7" stroke-linecap="round"/>')  # fmt: skip

    lobby_x, lobby_y = xy(model.lobby_ideal)
    members = model.members
    if members.shape[0]:
        mx, my = xy(st.advocated[members])
        tie = combined_tie(model.lobby_state.ties[:, members])
        tied = np.flatnonzero(tie > 0.05)
        for i in tied:
            out.append(f'<line x1="{lobby_x[0]:.1f}" y1="{lobby_y[0]:.1f}" x2="{mx[i]:.1f}" '
                       f'y2="{my[i]:.1f}" stroke="{style.LOBBY_COLOR}" stroke-width="1.6" '
                       f'stroke-opacity="{min(1.0, float(tie[i])) * 0.8:.2f}"/>')  # fmt: skip
        for code, cat in enumerate(model.category_names):
            sel = st.category[members] == code
            if not sel.any():
                continue
            circles = "".join(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="6"/>'
                              for a, b in zip(mx[sel], my[sel], strict=True))  # fmt: skip
            out.append(f'<g fill="{style.category_color(cat)}" stroke="{style.MEMBER_EDGE}" '
                       f'stroke-width="1.3">{circles}</g>')  # fmt: skip
    trail = model.forum.policy_trail
    if trail:
        tx, ty = xy(np.asarray(trail[-400:]))
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(tx, ty, strict=True))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{style.TRAIL_COLOR}" '
                   'stroke-width="2" stroke-linejoin="round"/>')  # fmt: skip
    n_paid = int(model.lobby_state.n_paid)
    if n_paid:
        paid = style.MARKS["paid"]
        out.append(marker_svg(paid.marker, lobby_x[0] + 16, lobby_y[0] + 16, 8, paid.color))
        out.append(_text(lobby_x[0] + 28, lobby_y[0] + 22, f"{n_paid} paid", size=15,
                         anchor="start"))  # fmt: skip
    marks = [("public_ideal", model.public_ideal, 17), ("lobby_ideal", model.lobby_ideal, 15)]
    twin = getattr(model, "lobby_twin", None)
    if twin is not None:  # where the policy would be without the lobby (its no-lobby twin)
        marks.append(("ghost_policy", twin.forum.policy, 9))
    marks.append(("policy", model.forum.policy, 9))
    for key, point, radius in marks:
        mark = style.MARKS[key]
        x, y = xy(point)
        out.append(marker_svg(mark.marker, x[0], y[0], radius, mark.color, mark.edge))
    out.append("</g></svg>")
    return "".join(out)


# --------------------------------------------------------------------------- time series


def _nice_step(span: float, n_ticks: int = 5) -> float:
    raw = span / max(n_ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _ticks(lower: float, upper: float, n_ticks: int = 5) -> list[float]:
    step = _nice_step(upper - lower, n_ticks)
    first = math.ceil(lower / step - 1e-9) * step
    ticks = []
    value = first
    while value <= upper + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) >= 0.01 or value == 0 else f"{value:.0e}"


def line_chart_svg(
    steps: np.ndarray,
    lines: Sequence[tuple[np.ndarray, str, str, str]],
    *,
    title: str,
    hint: str = "",
    y_range: tuple[float, float] = (0.0, 1.0),
    name: str = "line",
    step: int = 0,
    width: int = 380,
    height: int = 226,
    marks: Sequence[float] = (),
) -> str:
    """A time-series chart: ``lines`` are ``(values, colour, label, dash)``, one per line.

    The y-axis spans the metric's declared range (``y_range``), widened only when the data
    leave it, so that small changes are not blown up to fill the panel. The x-axis runs from
    step 0 to a round number past the last step; the right margin grows to hold the last
    tick's label. Labels of several lines sit in a legend row under
    the title. ``marks`` are steps drawn as thin dashed vertical lines (e.g. new terms).
    """
    left, bottom = 50, 42
    top = 74 if len(lines) > 1 else 52
    last = float(steps[-1]) if steps.size else 0.0
    x_step = _nice_step(max(last * 1.05, 10.0), 4)
    x_max = max(10.0, math.ceil(max(last, 1.0) * 1.05 / x_step) * x_step)
    x_ticks = _ticks(0, x_max, 4)
    # the right margin holds half the last tick label (e.g. "1000" after a long run)
    right = max(14, math.ceil(TICK_CHAR_WIDTH * 14 * len(f"{x_ticks[-1]:g}") / 2) + 3)
    plot_w, plot_h = width - left - right, height - top - bottom
    lower, upper = y_range
    for values, *_ in lines:
        finite = values[np.isfinite(values)] if values.size else values
        if finite.size:
            lower, upper = min(lower, float(finite.min())), max(upper, float(finite.max()))
    if upper - lower < 1e-9:
        upper = lower + 1.0
    out = [_svg_open(width, height, name, step, title)]
    title_size = min(16.0, (width - 12) / (0.58 * max(len(title), 1)))  # shrink to fit
    out.append(_text(6, 19, title, size=round(title_size, 1), weight="600", anchor="start"))
    if hint:
        out.append(_text(6, 38, hint, size=14, anchor="start", fill="#555"))
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fbfbfb" '
               'stroke="#777"/>')  # fmt: skip

    def sx(v: np.ndarray | float) -> Any:
        return left + np.asarray(v, dtype=float) / x_max * plot_w

    def sy(v: np.ndarray | float) -> Any:
        return top + (upper - np.asarray(v, dtype=float)) / (upper - lower) * plot_h

    for tick in _ticks(lower, upper, 4):
        y = float(sy(tick))
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                   'stroke="#e2e2e2"/>')  # fmt: skip
        out.append(_text(left - 6, y + 5, _fmt(tick), size=14, anchor="end"))
    for mark in marks:
        x = float(sx(mark))
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" '
                   'stroke="#9a9a9a" stroke-dasharray="3 3" data-mark="1"/>')  # fmt: skip
    for tick in x_ticks:
        out.append(_text(float(sx(tick)), top + plot_h + 18, f"{tick:g}", size=14))
    out.append(_text(left + plot_w / 2, height - 5, "step", size=13, fill="#555"))
    if len(lines) > 1:
        x = 10.0
        for _, color, label, dash in lines:
            dasharray = ' stroke-dasharray="6 4"' if dash else ""
            out.append(f'<line x1="{x:.0f}" y1="52" x2="{x + 22:.0f}" y2="52" stroke="{color}" '
                       f'stroke-width="3"{dasharray}/>')  # fmt: skip
            out.append(_text(x + 27, 57, label, size=14, anchor="start"))
            x += 36 + 7.6 * len(label)
    if steps.size:
        stride = max(1, -(-steps.size // MAX_LINE_POINTS))
        index = np.arange(steps.size)[::-1][::stride][::-1]
        xs = sx(steps[index])
        for values, color, _, dash in lines:
            ys = sy(values[index])
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))
            dasharray = ' stroke-dasharray="6 4"' if dash else ""
            out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                       f'stroke-width="2.5" stroke-linejoin="round"{dasharray}/>')  # fmt: skip
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- scorecard


@lru_cache(maxsize=1)
def _score_colors() -> tuple[str, ...]:
    """Colours of scores 1.0, 1.1, ..., 10.0 in the scorecard's colour map."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps[style.SCORECARD_CMAP]
    return tuple(to_hex(cmap(i / 90)) for i in range(91))


def score_color(score: float) -> str:
    """Colour of a 1-10 score in the scorecard's colour map."""
    index = round((min(10.0, max(1.0, score)) - 1.0) * 10)
    return _score_colors()[index]


def scorecard_table(card: Any) -> np.ndarray:
    """Principles x arenas array of scores (NaN where an arena is absent)."""
    table = np.full((len(PRINCIPLES), len(ARENAS)), np.nan)
    for arena, principle, score in zip(card["arena"], card["principle"], card["score"],
                                       strict=True):  # fmt: skip
        table[PRINCIPLES.index(principle), ARENAS.index(arena)] = score
    return table


def scorecard_svg(table: np.ndarray | None, *, step: int, name: str = "scorecard") -> str:
    """The governance scorecard (principles x arenas, 1-10) as a heat map with a colour bar."""
    width, height = 600, 334
    left, top, cell_w, cell_h = 130, 78, 98, 38
    title = f"Governance scorecard, step {step}"
    out = [_svg_open(width, height, name, step, title)]
    out.append(_text(6, 21, title, size=17, weight="600", anchor="start"))
    out.append(_text(width - 6, 21, "1 worst · 10 best", size=14, anchor="end", fill="#555"))
    for j, arena in enumerate(ARENAS):
        words = style.ARENA_LABELS.get(arena, arena).split(" ")
        x = left + (j + 0.5) * cell_w
        for k, word in enumerate(words):
            out.append(_text(x, top - 9 - 18 * (len(words) - 1 - k), word, size=15))
    for i, principle in enumerate(PRINCIPLES):
        y = top + (i + 0.5) * cell_h
        out.append(_text(left - 8, y + 5, style.PRINCIPLE_LABELS.get(principle, principle),
                         size=15, anchor="end"))  # fmt: skip
        for j in range(len(ARENAS)):
            x = left + j * cell_w
            value = np.nan if table is None else float(table[i, j])
            fill = score_color(value) if np.isfinite(value) else "#eeeeee"
            out.append(f'<rect x="{x + 1}" y="{top + i * cell_h + 1:.0f}" width="{cell_w - 2}" '
                       f'height="{cell_h - 2}" fill="{fill}"/>')  # fmt: skip
            label = f"{value:.1f}" if np.isfinite(value) else "–"
            out.append(_text(x + cell_w / 2, y + 6, label, size=17))
    # colour bar
    bar_x, bar_w = left + len(ARENAS) * cell_w + 24, 16
    bar_h = len(PRINCIPLES) * cell_h
    stops = "".join(
        f'<stop offset="{k / 9:.3f}" stop-color="{score_color(10 - k)}"/>' for k in range(10)
    )
    out.append(f'<defs><linearGradient id="bar-{name}" x1="0" y1="0" x2="0" y2="1">{stops}'
               f'</linearGradient></defs><rect x="{bar_x}" y="{top}" width="{bar_w}" '
               f'height="{bar_h}" fill="url(#bar-{name})" stroke="#777"/>')  # fmt: skip
    for score in (1, 4, 7, 10):
        y = top + (10 - score) / 9 * bar_h
        out.append(_text(bar_x + bar_w + 6, y + 5, str(score), size=14, anchor="start"))
    if table is None:
        out.append(_text(left + len(ARENAS) * cell_w / 2, top + bar_h / 2,
                         "after the first step", size=16, fill="#555"))  # fmt: skip
    out.append("</svg>")
    return "".join(out)
