"""The interactive teaching app: a Solara page over a GovernanceModel.

Start it with ``msisim app`` (binds to 127.0.0.1). The **Forum** tab shows the policy space
live (stakeholders coloured by category, forum members, the public ideal and the lobby's
ideal, the policy's trail, lobby ties), the governance scorecard and four live time series:
representativeness as counted and as it truly is, the grassroots share of members, the
distance of the policy from the public ideal, and the policy's pull toward the lobby. The
**Compare** tab runs the same forum under the other template (representative vs open) on
the same seed, in lockstep — the comparison is the lesson.

The page is built from the same pieces as Mesa's SolaraViz (a Mesa model, a controller with
Reset / Play / Step, parameter inputs declared as in SolaraViz's ``model_params``), laid out
for a projector: named tabs, control values shown in their labels, figures that scale to
their cells. Figures are SVG written by :mod:`msisim.viz.live` (a few ms per step, drawn by
the browser) so the page keeps up with the model. Every browser session builds its own
model (:func:`Page` creates it per session); every click on Step advances it by one step.
"""

from __future__ import annotations

import asyncio
import functools
import html
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import reacton.ipywidgets as widgets
import solara
import solara.lab

from msisim import conf
from msisim.model import GovernanceModel
from msisim.rules.lobbying import STRATEGIES
from msisim.rules.membership import MEMBERSHIP_RULES
from msisim.stakeholder_map import load_stakeholder_map, map_names
from msisim.viz import live, style

#: The membership rules a teacher can pick (every registered rule but the analytic plenary).
TEMPLATES = [name for name, rule in MEMBERSHIP_RULES.items() if not rule.everyone]
#: Their labels: the style's plain words, else the rule's own summary.
TEMPLATE_CHOICES = {
    name: style.TEMPLATE_LABELS.get(name, f"{name.replace('_', ' ').capitalize()}")
    for name in TEMPLATES
}
CAPTURE_MODES = ["from lobby ties", "set by hand"]
#: Colours of the two forums on the Compare tab.
TEMPLATE_COLORS = {
    "representative": "#2C3E91",
    "open": "#B35806",
    "sortition": "#1B7837",
    "representative_with_consultation": "#762A83",
    "open_with_support": "#01665E",
}
#: Play speed (steps per second) when the page opens.
DEFAULT_SPEED = 20
#: Shortest pause between two frames while playing (seconds); the event loop handles clicks
#: and sends the frame in it.
MIN_PAUSE = 0.003
#: Stakeholders drawn at most (a random but fixed subset for large populations).
MAX_DRAWN = live.MAX_DRAWN


# --------------------------------------------------------------------------- presets

#: The config groups whose presets the app offers (``configs/<group>/NAME.yaml``, the
#: user's ``$MSISIM_CONFIG_DIR`` first); population also lists the stakeholder maps.
PRESET_GROUPS: dict[str, str] = {
    "design": "Design preset",
    "lobbying": "Lobbying preset",
    "population": "Population or stakeholder map",
}
#: A population choice that names a stakeholder map (``map:NAME``).
MAP_PREFIX = "map:"
#: Preset parameters that a control shows: picking a preset moves the control; the other
#: parameters of a preset go to the model as they are (``participation_support`` sets the
#: grassroots support slider to its grassroots value).
PRESET_CONTROLS: dict[str, str] = {
    "membership": "template", "term_length": "term_length", "transparency": "transparency",
    "recusal": "recusal", "n_lobbyists": "n_lobbyists", "lobby_budget": "lobby_budget",
    "lobby_strategy": "lobby_strategy", "n_stakeholders": "n_stakeholders",
    "participation_support": "grassroots_support",
}  # fmt: skip
#: The controls each group's presets set: picking a preset first returns them to their
#: starting values, so one preset's choices do not linger under the next.
GROUP_CONTROLS: dict[str, tuple[str, ...]] = {
    "design": ("template", "term_length", "transparency", "recusal", "grassroots_support"),
    "lobbying": ("n_lobbyists", "lobby_budget", "lobby_strategy"),
    "population": ("n_stakeholders",),
}


def _yaml_params(path: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"preset {path}: not a mapping of parameters")
    return data


@functools.lru_cache(maxsize=64)
def _preset(group: str, name: str) -> tuple[tuple[str, Any], ...]:
    if group == "population" and name.startswith(MAP_PREFIX):
        return tuple(load_stakeholder_map(name[len(MAP_PREFIX) :]).population_keywords().items())
    for root in conf.config_dirs():
        path = root / group / f"{name}.yaml"
        if path.is_file():
            return tuple(_yaml_params(path).items())
    raise ValueError(f"unknown {group} preset {name!r}; known: {', '.join(preset_names(group))}")


def preset_params(group: str, name: str) -> dict[str, Any]:
    """The parameters a preset sets (empty for ``""``, no preset).

    Raises:
        ValueError: When the group has no such preset.
    """
    return dict(_preset(group, name)) if name else {}


def preset_names(group: str) -> list[str]:
    """The presets of a group; population adds the stakeholder maps as ``map:NAME``.

    Populations larger than the Stakeholders slider allows (``large``) are left out.
    """
    names = conf.group_options(group)
    if group != "population":
        return names
    most = MODEL_PARAMS["n_stakeholders"]["max"]
    fitting = [n for n in names if int(preset_params(group, n).get("n_stakeholders", 0)) <= most]
    return fitting + [MAP_PREFIX + name for name in map_names()]


def preset_label(group: str, name: str) -> str:
    """A preset's name in plain words (``map:example`` -> ``Map: example``)."""
    if not name:
        return "(none: the settings below)"
    if name.startswith(MAP_PREFIX):
        return f"Stakeholder map: {name[len(MAP_PREFIX) :]}"
    return name.replace("_", " ").capitalize()


def preset_controls(group: str, name: str) -> dict[str, Any]:
    """The control values a preset sets (see :data:`PRESET_CONTROLS`)."""
    out: dict[str, Any] = {}
    for key, value in preset_params(group, name).items():
        control = PRESET_CONTROLS.get(key)
        if control is None:
            continue
        if key == "participation_support":
            value = float(dict(value).get("grassroots", 0.0))
        spec = MODEL_PARAMS[control]
        if "min" in spec:
            value = min(max(value, spec["min"]), spec["max"])
        out[control] = value
    return out


def preset_extras(group: str, name: str) -> dict[str, Any]:
    """The parameters of a preset that no control shows (passed to the model as they are)."""
    return {k: v for k, v in preset_params(group, name).items() if k not in PRESET_CONTROLS}


def apply_preset(controls: dict[str, Any], group: str, name: str) -> dict[str, Any]:
    """The controls after picking preset ``name`` of ``group`` (``""``: none).

    The group's controls (:data:`GROUP_CONTROLS`) start from their starting values, then
    take the preset's.
    """
    start = {name: MODEL_PARAMS[name]["value"] for name in GROUP_CONTROLS[group]}
    return {**controls, **start, group: name, **preset_controls(group, name)}


def run_csv(model: GovernanceModel) -> str:
    """The run's recorded series (one row per step, one column per metric) as CSV."""
    return pd.DataFrame(model.series).to_csv(index=False)


def csv_filename(controls: dict[str, Any]) -> str:
    """The download's file name, e.g. ``msisim_representative_seed1.csv``."""
    return f"msisim_{controls['template']}_seed{int(controls['seed'])}.csv"


class AppModel(GovernanceModel):
    """GovernanceModel with the app's controls as plain keyword arguments.

    Args:
        template: Membership rule.
        seed: Seed of the run.
        n_stakeholders: Population size.
        lobby_budget: The lobby's total budget per step, shared by its ``n_lobbyists``.
        n_lobbyists: Number of lobbyists sharing it (0 = no lobby; else it changes nothing).
        lobby_strategy: ``adaptive``, ``allies``, ``swing`` or ``influential``.
        transparency: Lobby register strength.
        term_length: Steps per term of seated bodies.
        participation_cost: Cost of attending an open round.
        grassroots_support: Participation subsidy for grassroots (and civil society).
        capture_mode: ``from lobby ties`` (endogenous) or ``set by hand``.
        selector_capture: The selector's capture when set by hand.
        recusal: Recuse strongly tied members from decisions.
        design: A design preset (``configs/design``; ``""`` = none): its parameters that
            no control shows (seats, selection, lottery, term limit ...).
        lobbying: A lobbying preset (``configs/lobbying``), likewise (e.g. astroturf).
        population: A population preset (``configs/population``) or ``map:NAME`` (a
            stakeholder map); the Stakeholders control sets N.
        scenario: Accepted for Mesa's reset and ignored (the seed sets the run).
    """

    def __init__(
        self,
        template: str = "representative",
        seed: int = 1,
        n_stakeholders: int = 500,
        lobby_budget: float = 1.0,
        n_lobbyists: int = 3,
        lobby_strategy: str = "adaptive",
        transparency: float = 0.0,
        term_length: int = 20,
        participation_cost: float = 1.0,
        grassroots_support: float = 0.0,
        capture_mode: str = "from lobby ties",
        selector_capture: float = 0.5,
        recusal: bool = False,
        design: str = "",
        lobbying: str = "",
        population: str = "",
        scenario: Any = None,
    ) -> None:
        self.controls: dict[str, Any] = {
            "template": template, "seed": seed, "n_stakeholders": n_stakeholders,
            "lobby_budget": lobby_budget, "n_lobbyists": n_lobbyists,
            "lobby_strategy": lobby_strategy, "transparency": transparency,
            "term_length": term_length, "participation_cost": participation_cost,
            "grassroots_support": grassroots_support, "capture_mode": capture_mode,
            "selector_capture": selector_capture, "recusal": recusal,
            "design": design, "lobbying": lobbying, "population": population,
        }  # fmt: skip
        extras: dict[str, Any] = {}
        for group in PRESET_GROUPS:
            extras.update(preset_extras(group, self.controls[group]))
        support = (
            {"grassroots": grassroots_support, "civil_society": grassroots_support}
            if grassroots_support > 0
            else {}
        )
        super().__init__(
            rng=int(seed),
            membership=template,
            n_stakeholders=int(n_stakeholders),
            lobby_budget=float(lobby_budget),
            n_lobbyists=int(n_lobbyists),
            lobby_strategy=lobby_strategy,
            transparency=float(transparency),
            term_length=int(term_length),
            participation_cost=float(participation_cost),
            participation_support=support,
            selector_capture=float(selector_capture) if capture_mode == "set by hand" else None,
            recusal=bool(recusal),
            n_steps=10_000,
            **extras,
        )
        self.drawn = live.drawn_subset(self.stakeholders.n, int(seed))

    def twin(self) -> AppModel:
        """The same forum under the other template (representative <-> open), same seed.

        The design preset's seat settings stay with this forum; the twin has the plain
        template with the same controls, lobby and population.
        """
        other = "open" if self.params.design.membership != "open" else "representative"
        return AppModel(**{**self.controls, "template": other, "design": ""})


def term_starts(model: GovernanceModel) -> list[int]:
    """Steps up to now at which a seated body's seats were refilled (a new term).

    The first term starts at step 1 and is not marked; a forum without seats has none.
    """
    if model.rule.seat_plan is None:
        return []
    term = int(model.params.design.term_length)
    return list(range(1 + term, int(model.steps) + 1, term))


def term_note(model: GovernanceModel, twin: GovernanceModel) -> str:
    """Why capture jumps: the note under the Compare tab's capture chart."""
    seated = [m for m in (model, twin) if m.rule.seat_plan is not None]
    if not seated:
        return "Neither forum has seats, so capture moves with each round's room."
    term = int(seated[0].params.design.term_length)
    return (
        f"Dashed lines: new terms (every {term} steps). A term's seats are filled by a "
        "selector the lobby tied during the last term, so capture can jump there; the open "
        "forum has no seats and no terms."
    )


#: The controls, declared as Mesa's SolaraViz declares ``model_params``.
MODEL_PARAMS: dict[str, Any] = {
    "template": {"type": "Select", "value": "representative", "values": TEMPLATES,
                 "labels": TEMPLATE_CHOICES, "label": "Template"},
    "seed": {"type": "SliderInt", "value": 1, "min": 0, "max": 100, "step": 1, "label": "Seed"},
    "n_stakeholders": {"type": "SliderInt", "value": 500, "min": 200, "max": 5000, "step": 100,
                       "label": "Stakeholders"},
    "lobby_budget": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 3.0, "step": 0.1,
                     "label": "Lobby budget (the lobby's total per round)"},
    "n_lobbyists": {"type": "SliderInt", "value": 3, "min": 0, "max": 6, "step": 1,
                    "label": "Lobbyists (share one budget; 0 = no lobby)"},
    "lobby_strategy": {"type": "Select", "value": "adaptive",
                       "values": list(STRATEGIES),
                       "labels": {n: style.STRATEGY_LABELS.get(n, n) for n in STRATEGIES},
                       "label": "Lobby strategy"},
    "transparency": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 1.0, "step": 0.05,
                     "label": "Transparency (lobby register)"},
    "term_length": {"type": "SliderInt", "value": 20, "min": 1, "max": 60, "step": 1,
                    "label": "Term length (seated bodies, rounds)"},
    "participation_cost": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 4.0,
                           "step": 0.1, "label": "Participation cost (open rounds)"},
    "grassroots_support": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 1.0,
                           "step": 0.05, "label": "Participation support (grassroots)"},
    "capture_mode": {"type": "Select", "value": "from lobby ties", "values": CAPTURE_MODES,
                     "label": "Selector capture"},
    "selector_capture": {"type": "SliderFloat", "value": 0.5, "min": 0.0, "max": 1.0,
                         "step": 0.05, "label": "Selector capture (when set by hand)"},
    "recusal": {"type": "Checkbox", "value": False, "label": "Recuse strongly tied members"},
}  # fmt: skip


def default_controls() -> dict[str, Any]:
    """The controls' starting values (no preset picked)."""
    return {**{name: spec["value"] for name, spec in MODEL_PARAMS.items()},
            **dict.fromkeys(PRESET_GROUPS, "")}  # fmt: skip


def control_label(name: str, value: Any) -> str:
    """A control's label with its value, e.g. ``Lobby budget (the lobby's total per round): 1``."""
    spec = MODEL_PARAMS[name]
    if spec["type"] == "SliderFloat":
        decimals = max(0, -int(np.floor(np.log10(spec["step"]))))
        return f"{spec['label']}: {float(value):.{decimals}f}"
    if spec["type"] == "SliderInt":
        return f"{spec['label']}: {int(value)}"
    return str(spec["label"])


# --------------------------------------------------------------------------- session


class Session:
    """One browser session's run: the model, its twin (made when first shown) and a lock.

    Every change of the model goes through :meth:`step` or :meth:`reset` under the lock, so
    a click on Step while a frame is being drawn still counts, exactly once.
    """

    def __init__(self, controls: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self.controls = dict(controls or default_controls())
        self.model = AppModel(**self.controls)
        self._twin: AppModel | None = None
        self._card_key: tuple[int, int] | None = None
        self._card: np.ndarray | None = None

    def reset(self, controls: dict[str, Any]) -> None:
        """Start a new run with ``controls``."""
        with self.lock:
            self.controls = dict(controls)
            self.model = AppModel(**self.controls)
            self._twin = None
            self._card_key = None

    def step(self, n: int = 1) -> int:
        """Advance the model (and its twin, once made) by ``n`` steps; returns the step."""
        with self.lock:
            for _ in range(n):
                if not self.model.running:
                    break
                self.model.step()
                if self._twin is not None:
                    self._twin.step()
            return int(self.model.steps)

    def twin(self) -> AppModel:
        """The twin under the other template, caught up with the model."""
        with self.lock:
            if self._twin is None:
                self._twin = self.model.twin()
            while self._twin.steps < self.model.steps:
                self._twin.step()
            return self._twin

    def scorecard(self) -> np.ndarray | None:
        """The scorecard table now, computed once per step (None before the first step)."""
        with self.lock:
            model = self.model
            if not model.series:
                return None
            key = (id(model), int(model.steps))
            if key != self._card_key:
                self._card = live.scorecard_table(model.scorecard())
                self._card_key = key
            return self._card


# --------------------------------------------------------------------------- figures (SVG)


def _series(model: GovernanceModel, *names: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """The steps and the named metrics' values over the run so far."""
    rows = model.series
    steps = np.fromiter((row["step"] for row in rows), float, len(rows))
    values = [np.fromiter((row[name] for row in rows), float, len(rows)) for name in names]
    return steps, values


#: The Forum tab's live time series: (file-safe name, metrics, colours, dashes).
FORUM_CHARTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("representativeness", ("rose", "true_rose"), ("#2C3E91", "#C0002A"), ("", "dash")),
    ("grassroots", ("grassroots_share",), (style.CATEGORY_COLORS["grassroots"],), ("",)),
    ("congruence", ("congruence_error",), ("#6A3D9A",), ("",)),
    ("lobby-pull", ("lobby_bias", "structural_tilt"), (style.LOBBY_COLOR, "#777777"), ("", "dash")),
)


#: Titles of the charts that draw several metrics.
CHART_TITLES = {
    "representativeness": "Representativeness (Rose index)",
    "lobby-pull": "Lobby pull (dashed: without the lobby)",
}


def forum_chart_svg(model: GovernanceModel, index: int) -> str:
    """One of the Forum tab's live time series as SVG (see :data:`FORUM_CHARTS`)."""
    name, metrics, colors, dashes = FORUM_CHARTS[index]
    steps, values = _series(model, *metrics)
    first = style.METRIC_LABELS[metrics[0]]
    title = CHART_TITLES.get(name, first.title)
    lines = [
        (v, c, style.METRIC_LABELS[m].short, d)
        for v, c, m, d in zip(values, colors, metrics, dashes, strict=True)
    ]
    return live.line_chart_svg(
        steps, lines, title=title, hint=first.hint, y_range=(first.lower, first.upper),
        name=name, step=int(model.steps),
    )  # fmt: skip


def compare_chart_svg(model: GovernanceModel, twin: GovernanceModel, metric: str) -> str:
    """A metric of the forum and its twin over time, one line each."""
    label = style.METRIC_LABELS[metric]
    lines = []
    for m in (model, twin):
        steps, (values,) = _series(m, metric)
        template = m.params.design.membership
        lines.append((values, TEMPLATE_COLORS.get(template, "#333"),
                      style.TEMPLATE_SHORT.get(template, template), ""))  # fmt: skip
    steps, _ = _series(model, metric)
    marks = sorted(set(term_starts(model)) | set(term_starts(twin))) if metric == "capture" else []
    return live.line_chart_svg(
        steps, lines, title=label.title, hint=label.hint, y_range=(label.lower, label.upper),
        name=f"compare-{metric.replace('_', '-')}", step=int(model.steps), marks=marks,
    )  # fmt: skip


# --------------------------------------------------------------------------- components

CSS = """
.msisim-tab { width: 100%; }
.msisim-tab > .widget-html { display: block; width: 100%; margin: 0; }
.msisim-tab .widget-html-content { display: block; width: 100%; line-height: normal; }
.msisim-grid { display: grid; gap: 12px; align-items: start; width: 100%; }
.msisim-forum { grid-template-columns: minmax(0, 1fr) minmax(0, 1.05fr); }
.msisim-side { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.msisim-side > .msisim-wide { grid-column: 1 / -1; }
.msisim-compare { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) minmax(0, 0.8fr); }
.msisim-compare > .msisim-wide { grid-column: 1 / 3; grid-row: 2; }
.msisim-compare > .msisim-charts { grid-column: 3; grid-row: 1 / 3; display: grid; gap: 12px; }
.msisim-cell { background: #fff; border: 1px solid #d8d8d8; border-radius: 6px;
  padding: 6px; min-width: 0; overflow: hidden; contain: content; }
.msisim-cell svg[data-figure] { display: block; width: 100%; height: auto; }
.msisim-space svg[data-figure] { max-height: calc(100vh - 250px); }
.msisim-card svg[data-figure] { max-height: 36vh; }
.msisim-legend { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 6px 4px 0;
  font-size: 17px; line-height: 1.3; color: #222; }
.msisim-key { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.msisim-step { font-size: 26px; font-weight: 600; }
.msisim-note { font-size: 14px; line-height: 1.3; color: #333; margin: 4px 2px 0; }
.msisim-bar { align-items: center; flex-wrap: nowrap; }
.msisim-hint { font-size: 14px; color: #555; }
.msisim-controls .v-input__slider .v-label, .msisim-controls .v-label { font-size: 15px; }
@media (max-width: 1500px) {
  .msisim-side { display: contents; }
  .msisim-side > .msisim-wide { grid-column: auto; }
  .msisim-forum > .msisim-space { grid-row: span 1; }
  .msisim-compare { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  /* a projector (1280x720): both forums, then the capture chart, all above the fold */
  .msisim-compare > .msisim-charts { grid-column: 1 / -1; grid-row: 2;
    grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  .msisim-compare > .msisim-wide { grid-column: 1 / -1; grid-row: 3; }
  .msisim-compare .msisim-space svg[data-figure] { max-height: calc(100vh - 460px); }
  .msisim-compare .msisim-charts svg[data-figure] { max-height: calc(100vh - 540px); }
}
@media (max-width: 900px) {
  .msisim-forum, .msisim-compare, .msisim-compare > .msisim-charts {
    grid-template-columns: minmax(0, 1fr); }
  .msisim-compare > .msisim-wide { grid-column: 1; grid-row: auto; }
}
"""


def _cell(svg: str, *classes: str) -> str:
    """A figure cell: SVG (and legend) that scales to the cell's width."""
    return f'<div class="{" ".join(("msisim-cell", *classes))}">{svg}</div>'


def forum_html(session: Session) -> str:
    """The Forum tab's figures as one HTML block (one update per step for the browser)."""
    with session.lock:
        model = session.model
        space = live.policy_space_svg(model, drawn=model.drawn)
        legend = live.legend_html(model.category_names)
        card = live.scorecard_svg(session.scorecard(), step=int(model.steps))
        charts = [forum_chart_svg(model, i) for i in range(len(FORUM_CHARTS))]
    side = _cell(card, "msisim-wide", "msisim-card") + "".join(_cell(chart) for chart in charts)
    return (
        '<div class="msisim-grid msisim-forum">'
        f'{_cell(space + legend, "msisim-space")}<div class="msisim-side">{side}</div></div>'
    )


def compare_html(session: Session) -> str:
    """The Compare tab's figures as one HTML block."""
    with session.lock:
        model, twin = session.model, session.twin()
        spaces = [live.policy_space_svg(m, drawn=model.drawn, name=f"policy-space-{i}")
                  for i, m in enumerate((model, twin))]  # fmt: skip
        legend = live.legend_html(model.category_names)
        charts = [compare_chart_svg(model, twin, metric)
                  for metric in ("capture", "true_rose")]  # fmt: skip
        note = f'<p class="msisim-note">{html.escape(term_note(model, twin))}</p>'
    return (
        '<div class="msisim-grid msisim-compare">'
        + "".join(_cell(svg, "msisim-space") for svg in spaces)
        + f'<div class="msisim-wide">{legend}</div>'
        + '<div class="msisim-charts">'
        + _cell(charts[0] + note, "msisim-capture")
        + _cell(charts[1])
        + "</div></div>"
    )


def LiveHTML(text: str) -> Any:
    """A plain ipywidgets HTML widget: the browser sets its innerHTML, nothing more."""
    with solara.Div(classes=["msisim-tab"]) as tab:
        widgets.HTML(value=text, layout={"width": "100%"})
    return tab


@solara.component
def ForumTab(session: Session, frame: int) -> None:
    """The Forum tab: policy space with legend, scorecard and four live time series."""
    del frame  # a dependency: the tab redraws when the frame counter moves
    LiveHTML(forum_html(session))


@solara.component
def CompareTab(session: Session, frame: int) -> None:
    """The Compare tab: the forum and its twin under the other template, in lockstep."""
    del frame
    LiveHTML(compare_html(session))


@solara.component
def StepCounter(session: Session, frame: solara.Reactive[int]) -> None:
    """The step the model is at, in large type (redrawn when the frame counter moves)."""
    frame.get()
    solara.Text(f"Step {session.model.steps}", classes=["msisim-step"])


@solara.component
def Controls(
    session: Session,
    controls: solara.Reactive[dict[str, Any]],
    frame: solara.Reactive[int],
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
) -> None:
    """Reset / Play / Step, the play speed and the step counter."""

    async def play_loop() -> None:
        # Runs on the server's event loop: between frames it yields to the loop, which
        # then handles clicks (Pause, tabs) and sends the frame, in the order they came.
        next_time = time.perf_counter()
        while playing.value:
            if not session.model.running:
                playing.value = False
                break
            frame.value = session.step()  # steps, then redraws the figures
            now = time.perf_counter()
            next_time += 1.0 / max(1, speed.value)
            breather = MIN_PAUSE  # a yield to the event loop: clicks and sending the frame
            delay = next_time - now
            if delay < breather:  # behind: do not bank the lag
                delay, next_time = breather, now + breather
            await asyncio.sleep(delay)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=False)

    def on_step() -> None:
        frame.value = session.step()

    def on_reset() -> None:
        playing.value = False
        session.reset(controls.value)
        frame.value = -frame.value - 1  # a new value even at step 0

    with solara.Card("Run", classes=["msisim-controls"]):
        StepCounter(session, frame)
        with solara.Row(justify="space-between"):
            solara.Button("Reset", color="primary", on_click=on_reset)
            solara.Button(
                "❚❚ Pause" if playing.value else "▶ Play",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
            )
            solara.Button("Step", color="primary", on_click=on_step, disabled=playing.value)
        solara.SliderInt(
            f"Speed: {speed.value} steps per second",
            value=speed,
            min=1,
            max=30,
            step=1,
        )


@solara.component
def Presets(
    session: Session,
    controls: solara.Reactive[dict[str, Any]],
    frame: solara.Reactive[int],
    playing: solara.Reactive[bool],
) -> None:
    """Pickers of the shipped presets and stakeholder maps: a pick rebuilds the model."""
    error = solara.use_reactive("")

    def pick(group: str, label: str, codes: dict[str, str]) -> None:
        try:
            new = apply_preset(controls.value, group, codes[label])
            playing.value = False
            session.reset(new)
        except ValueError as problem:  # a user's own preset or map that does not load
            error.value = str(problem)
            return
        error.value = ""
        controls.set(new)
        frame.value = -frame.value - 1  # a new value even at step 0

    with solara.Card("Presets", classes=["msisim-controls", "msisim-presets"]):
        solara.Text("A pick starts a new run.", classes=["msisim-hint"])
        for group, title in PRESET_GROUPS.items():
            codes = {preset_label(group, n): n for n in ["", *preset_names(group)]}

            def on_pick(label: str, group: str = group, codes: dict[str, str] = codes) -> None:
                pick(group, label, codes)

            solara.Select(
                title,
                value=preset_label(group, controls.value[group]),
                values=list(codes),
                on_value=on_pick,
            )
        if error.value:
            solara.Error(error.value)


@solara.component
def Download(session: Session, controls: solara.Reactive[dict[str, Any]]) -> None:
    """A button that downloads the run so far (the recorded series) as CSV."""

    def data() -> str:
        with session.lock:
            return run_csv(session.model)

    solara.FileDownload(
        data,
        filename=csv_filename(controls.value),
        label="Download the run (CSV)",
        mime_type="text/csv",
    )


@solara.component
def Settings(controls: solara.Reactive[dict[str, Any]]) -> None:
    """The model's settings, each label showing its value; Reset applies them."""

    def setter(name: str) -> Any:
        return lambda value: controls.set({**controls.value, name: value})

    def set_choice(name: str, value: str) -> None:
        changed = {**controls.value, name: value}
        if name == "template" and value != controls.value["template"]:
            changed["design"] = ""  # a template picked by hand is no longer the preset
        controls.set(changed)

    with solara.Card("Settings", classes=["msisim-controls"]):
        solara.Text("Changes apply when you press Reset.", classes=["msisim-hint"])
        for name, spec in MODEL_PARAMS.items():
            value = controls.value[name]
            kind = spec["type"]
            if kind == "SliderInt":
                solara.SliderInt(control_label(name, value), value=int(value),
                                 on_value=setter(name), min=spec["min"], max=spec["max"],
                                 step=spec["step"])  # fmt: skip
            elif kind == "SliderFloat":
                solara.SliderFloat(control_label(name, value), value=float(value),
                                   on_value=setter(name), min=spec["min"], max=spec["max"],
                                   step=spec["step"])  # fmt: skip
            elif kind == "Checkbox":
                solara.Checkbox(label=spec["label"], value=bool(value), on_value=setter(name))
            else:
                labels = spec.get("labels", {})
                codes = {labels.get(v, v): v for v in spec["values"]}

                def choose(label: str, name: str = name, codes: dict[str, str] = codes) -> None:
                    set_choice(name, codes[label])

                solara.Select(spec["label"], value=labels.get(value, value),
                              values=list(codes), on_value=choose)  # fmt: skip


@solara.component
def Page() -> None:
    """The app's page: one model per browser session."""
    session = solara.use_memo(Session, [])
    controls = solara.use_reactive(dict(session.controls))
    frame = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    tab = solara.use_reactive(0)
    solara.Style(CSS)
    solara.Title("msisim — multistakeholder forum")
    with solara.AppBar():
        solara.AppBarTitle("msisim — a multistakeholder forum, live")
    with solara.Sidebar():
        Controls(session, controls, frame, playing, speed)
        Presets(session, controls, frame, playing)
        Settings(controls)
    with solara.Div(classes=["msisim-app"]):  # the page template's "app started" sign
        with solara.Row(classes=["msisim-bar"], justify="space-between"):
            with solara.lab.Tabs(value=tab, align="left"):
                solara.lab.Tab("Forum")
                solara.lab.Tab("Compare")
            Download(session, controls)
        Live(session, frame, tab.value)


@solara.component
def Live(session: Session, frame: solara.Reactive[int], tab: int) -> None:
    """The open tab's figures: the only part of the page redrawn at every step."""
    if tab == 0:
        ForumTab(session, frame.value)
    else:
        CompareTab(session, frame.value)
