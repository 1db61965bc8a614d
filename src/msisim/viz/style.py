"""One palette, one set of symbols and one set of human labels for every figure.

The app, the notebooks and the report figures all draw stakeholder categories, the public
ideal, the lobby's ideal and the policy; they take the colours, marker shapes and words from
here so that a reader who learnt them in one place can read them everywhere.

Category colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color universal design"),
which stays distinguishable for the common forms of colour blindness; red is kept for the
lobby alone. Marker shapes use matplotlib's codes; :mod:`msisim.viz.live` draws the same
shapes in SVG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Colour of each stakeholder category (Okabe-Ito; red is kept for the lobby).
CATEGORY_COLORS: dict[str, str] = {
    "government": "#0072B2",
    "bureaucracy": "#56B4E9",
    "business": "#CC79A7",
    "civil_society": "#009E73",
    "academia": "#6A3D9A",
    "grassroots": "#E69F00",
}
#: Colour of a category without an entry above.
OTHER_COLOR = "#777777"

#: Human names of the stakeholder categories.
CATEGORY_LABELS: dict[str, str] = {
    "government": "Government",
    "bureaucracy": "Bureaucracy",
    "business": "Business",
    "civil_society": "Civil society",
    "academia": "Academia",
    "grassroots": "Grassroots",
}


@dataclass(frozen=True)
class Mark:
    """How one thing in the policy space is drawn.

    Attributes:
        label: What a legend calls it.
        color: Fill colour.
        marker: Matplotlib marker code (``*`` star, ``X`` cross, ``o`` circle, ``s`` square).
        size: Matplotlib marker area (points squared) in a figure about 6 inches wide.
        edge: Edge colour.
    """

    label: str
    color: str
    marker: str
    size: float
    edge: str = "black"

    def scatter_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Axes.scatter`` that draw this mark."""
        return {
            "marker": self.marker,
            "s": self.size,
            "color": self.color,
            "edgecolors": self.edge,
            "linewidths": 1.2,
            "label": self.label,
            "zorder": 6,
        }

    def line2d_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for a legend handle ``Line2D([], [], **kwargs)``."""
        return {
            "marker": self.marker,
            "linestyle": "",
            "markerfacecolor": self.color,
            "markeredgecolor": self.edge,
            "markersize": max(6.0, self.size**0.5 * 0.8),
            "label": self.label,
        }


#: The lobby's colour: its ideal, its ties and its capture lines.
LOBBY_COLOR = "#C0002A"

#: The marks of the policy space, shared by the app, the notebooks and the reports.
MARKS: dict[str, Mark] = {
    "public_ideal": Mark("Public ideal", "#FFC20A", "*", 360),
    "lobby_ideal": Mark("Lobby's ideal", LOBBY_COLOR, "X", 200),
    "policy": Mark("Policy now", "#FFFFFF", "o", 110),
    "ghost_policy": Mark("Policy without the lobby", "#BDBDBD", "o", 110),
    "paid": Mark("Paid participants", "#7F7F7F", "s", 80),
}
#: Colour of the policy's trail (the policy over past rounds).
TRAIL_COLOR = "#000000"
#: Edge colour marking forum members (drawn at the position they advocate).
MEMBER_EDGE = "#000000"

#: Human names of the membership templates.
TEMPLATE_LABELS: dict[str, str] = {
    "representative": "Representative (seats by category)",
    "open": "Open (anyone may attend)",
    "sortition": "Sortition (seats by lot)",
    "representative_with_consultation": "Representative with open consultation",
    "open_with_support": "Open with participation support",
}
#: Short names of the templates, for titles.
TEMPLATE_SHORT: dict[str, str] = {
    "representative": "Representative forum",
    "open": "Open forum",
    "sortition": "Sortition forum",
    "representative_with_consultation": "Representative forum + consultation",
    "open_with_support": "Open forum + support",
}
#: Human names of the lobby strategies.
STRATEGY_LABELS: dict[str, str] = {
    "adaptive": "Adaptive (spends where it gains most)",
    "allies": "Allies (those who already agree)",
    "swing": "Swing members (the undecided)",
    "influential": "Influential members (most voice)",
}


@dataclass(frozen=True)
class MetricLabel:
    """A per-step metric as a reader sees it.

    Attributes:
        title: Plot title in plain words.
        short: Legend or axis word.
        better: ``higher``, ``lower`` or ``""`` when neither is better.
        lower: Lower end of the metric's range (for the y-axis).
        upper: Upper end of the metric's range (for the y-axis).
    """

    title: str
    short: str
    better: str = ""
    lower: float = 0.0
    upper: float = 1.0

    @property
    def hint(self) -> str:
        """``higher is better`` / ``lower is better`` / ``""``."""
        return f"{self.better} is better" if self.better else ""


#: Legend words of the metrics the app draws together (display choices, not declarations).
SHORT_NAMES: dict[str, str] = {
    "rose": "as counted",
    "true_rose": "true",
    "grassroots_share": "grassroots",
    "true_grassroots_share": "true grassroots",
    "congruence_error": "distance",
    "congruence": "many-to-many congruence",
    "policy_congruence": "policy congruence",
    "lobby_bias": "lobby pull",
    "capture": "capture",
    "structural_tilt": "tilt",
    "captured_share": "tied",
    "viewpoint_coverage": "coverage",
    "voice_gini": "voice Gini",
    "selector_capture": "selector capture",
    "governance_index": "index",
}
#: Axis ranges for outcomes whose declared range is open (what the app and figures show).
AXIS_RANGES: dict[str, tuple[float, float]] = {
    "congruence_error": (0.0, 0.5),
    "lobby_bias": (-0.25, 1.0),
    "capture": (-0.25, 1.0),
    "structural_tilt": (-0.25, 1.0),
}


def _metric_labels() -> dict[str, MetricLabel]:
    """Every declared outcome as the reader sees it, derived from :mod:`msisim.outcomes`."""
    from msisim.outcomes import OUTCOMES

    labels = {}
    for o in OUTCOMES.values():
        low, high = AXIS_RANGES.get(o.name, (o.lo, o.hi))
        labels[o.name] = MetricLabel(
            title=o.label[:1].upper() + o.label[1:],
            short=SHORT_NAMES.get(o.name, o.label),
            better="" if o.direction == "neither" else o.direction,
            lower=0.0 if low is None else float(low),
            upper=1.0 if high is None else float(high),
        )
    return labels


#: Human titles of the metrics the app and the figures show, keyed by metric name (from the
#: outcome declarations: label, direction and range).
METRIC_LABELS: dict[str, MetricLabel] = _metric_labels()

#: Human names of the scorecard's arenas and principles.
ARENA_LABELS: dict[str, str] = {
    "government": "Government",
    "bureaucracy": "Bureaucracy",
    "civil_society": "Civil society",
    "economic_society": "Economic society",
}
PRINCIPLE_LABELS: dict[str, str] = {
    "participation": "Participation",
    "fairness": "Fairness",
    "accountability": "Accountability",
    "transparency": "Transparency",
    "efficiency": "Efficiency",
    "effectiveness": "Effectiveness",
}
#: Colour map of the scorecard (1 red ... 10 green) and its range.
SCORECARD_CMAP = "RdYlGn"
SCORECARD_RANGE = (1.0, 10.0)


def category_color(name: str) -> str:
    """Colour of a stakeholder category (grey for unknown categories)."""
    return CATEGORY_COLORS.get(name, OTHER_COLOR)


def category_label(name: str) -> str:
    """Human name of a stakeholder category."""
    return CATEGORY_LABELS.get(name, name.replace("_", " ").capitalize())


def metric_title(name: str) -> str:
    """Human title of a metric (the name with spaces when it has none)."""
    label = METRIC_LABELS.get(name)
    return label.title if label else name.replace("_", " ").capitalize()


def category_palette(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``{category: colour}`` for seaborn's ``palette=`` (keys as given)."""
    return {n: category_color(n) for n in names}


def legend_handles(categories: list[str] | tuple[str, ...]) -> list[Any]:
    """Matplotlib legend handles: one dot per category, members and the marks."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", linestyle="", color=category_color(c), label=category_label(c))
        for c in categories
    ]
    handles.append(
        Line2D([], [], marker="o", linestyle="", markerfacecolor="#DDDDDD",
               markeredgecolor=MEMBER_EDGE, markersize=9, label="Forum member")
    )  # fmt: skip
    for key in ("public_ideal", "lobby_ideal", "policy"):
        handles.append(Line2D([], [], **MARKS[key].line2d_kwargs()))
    handles.append(Line2D([], [], color=TRAIL_COLOR, label="Policy's trail"))
    handles.append(Line2D([], [], color=LOBBY_COLOR, alpha=0.7, label="Tie to the lobby"))
    return handles
