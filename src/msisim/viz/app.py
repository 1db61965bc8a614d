"""The interactive teaching app: Mesa's SolaraViz over a GovernanceModel.

Start it with ``msisim app`` (binds to 127.0.0.1). Page 0 shows the policy space live
(stakeholders coloured by category, forum members highlighted, lobby and public ideals, the
policy's trail, lobby ties), live plots of the Rose index (measured and true), grassroots
share, congruence error and lobby bias, and the scorecard as a heat map. Page 1 compares the
forum with its twin under the other template (representative vs open) on the same seed,
stepped in lockstep — the comparison is the lesson.

Every browser session builds its own model (:func:`Page` creates it per session).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from msisim.model import GovernanceModel
from msisim.rules.lobbying import combined_tie
from msisim.scorecard import ARENAS, PRINCIPLES

TEMPLATES = [
    "representative",
    "open",
    "sortition",
    "representative_with_consultation",
    "open_with_support",
]
CAPTURE_MODES = ["from lobby ties", "set by hand"]
COLORS = {
    "government": "#1f77b4",
    "bureaucracy": "#17becf",
    "business": "#d62728",
    "civil_society": "#2ca02c",
    "academia": "#9467bd",
    "grassroots": "#ff7f0e",
}
#: Stakeholders drawn at most (a random but fixed subset for large populations).
MAX_DRAWN = 1500


class AppModel(GovernanceModel):
    """GovernanceModel with the app's controls as plain keyword arguments.

    Args:
        template: Membership rule.
        seed: Seed of the run.
        n_stakeholders: Population size.
        lobby_budget: Budget of each of ``n_lobbyists`` lobbyists per step.
        n_lobbyists: Number of lobbyists.
        lobby_strategy: ``adaptive``, ``allies``, ``swing`` or ``influential``.
        transparency: Lobby register strength.
        term_length: Steps per term of seated bodies.
        participation_cost: Cost of attending an open round.
        grassroots_support: Participation subsidy for grassroots (and civil society).
        capture_mode: ``from lobby ties`` (endogenous) or ``set by hand``.
        selector_capture: The selector's capture when set by hand.
        recusal: Recuse strongly tied members from decisions.
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
        scenario: Any = None,
    ) -> None:
        self.controls: dict[str, Any] = {
            "template": template, "seed": seed, "n_stakeholders": n_stakeholders,
            "lobby_budget": lobby_budget, "n_lobbyists": n_lobbyists,
            "lobby_strategy": lobby_strategy, "transparency": transparency,
            "term_length": term_length, "participation_cost": participation_cost,
            "grassroots_support": grassroots_support, "capture_mode": capture_mode,
            "selector_capture": selector_capture, "recusal": recusal,
        }  # fmt: skip
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
        )
        self.drawn = np.sort(
            np.random.default_rng(int(seed)).permutation(self.stakeholders.n)[:MAX_DRAWN]
        )

    def twin(self) -> AppModel:
        """The same forum under the other template (representative <-> open), same seed."""
        other = "open" if self.params.design.membership != "open" else "representative"
        return AppModel(**{**self.controls, "template": other})


MODEL_PARAMS: dict[str, Any] = {
    "template": {"type": "Select", "value": "representative", "values": TEMPLATES,
                 "label": "Template"},
    "seed": {"type": "SliderInt", "value": 1, "min": 0, "max": 100, "step": 1, "label": "Seed"},
    "n_stakeholders": {"type": "SliderInt", "value": 500, "min": 200, "max": 5000, "step": 100,
                       "label": "Stakeholders"},
    "lobby_budget": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 3.0, "step": 0.1,
                     "label": "Lobby budget (per lobbyist and round)"},
    "n_lobbyists": {"type": "SliderInt", "value": 3, "min": 0, "max": 6, "step": 1,
                    "label": "Lobbyists"},
    "lobby_strategy": {"type": "Select", "value": "adaptive",
                       "values": ["adaptive", "allies", "swing", "influential"],
                       "label": "Lobby strategy"},
    "transparency": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 1.0, "step": 0.05,
                     "label": "Transparency (lobby register)"},
    "term_length": {"type": "SliderInt", "value": 20, "min": 1, "max": 60, "step": 1,
                    "label": "Term length (seated bodies)"},
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


# --------------------------------------------------------------------------- drawing (pure)


def draw_policy_space(model: GovernanceModel, ax: Any, *, title: str | None = None) -> None:
    """Draw the policy space of ``model`` on a matplotlib axis.

    Stakeholders coloured by category (a fixed subset for large populations), forum members
    with a black edge, paid participants as grey squares at the lobby ideal, lobby ties as red
    lines from the lobby ideal to tied members (opacity = tie strength), the public ideal
    (blue X), the lobby ideal (red star) and the policy's trail (black line, current policy a
    black diamond). Only the first two dimensions are drawn.
    """
    st = model.stakeholders
    drawn = getattr(model, "drawn", np.arange(st.n))
    pos = st.position[drawn]
    cats = st.category[drawn]
    for code, name in enumerate(model.category_names):
        sel = cats == code
        ax.scatter(
            pos[sel, 0], pos[sel, 1] if pos.shape[1] > 1 else np.zeros(sel.sum()), s=7,
            alpha=0.35, color=COLORS.get(name), label=name,
        )  # fmt: skip
    members = model.members
    if members.shape[0]:
        adv = st.advocated[members]
        y = adv[:, 1] if adv.shape[1] > 1 else np.zeros(adv.shape[0])
        colors = [COLORS.get(model.category_names[c], "grey") for c in st.category[members]]
        ax.scatter(adv[:, 0], y, s=28, c=colors, edgecolors="black", linewidths=0.8,
                   label="members (advocated)", zorder=3)  # fmt: skip
        tie = combined_tie(model.lobby_state.ties[:, members])
        lobby = model.lobby_ideal
        for i in np.flatnonzero(tie > 0.05):
            strength = float(min(1.0, tie[i])) * 0.8
            ly = lobby[1] if lobby.shape[0] > 1 else 0
            ax.plot([lobby[0], adv[i, 0]], [ly, y[i]], color="red", alpha=strength, linewidth=0.8)
    if model.lobby_state.n_paid:
        ax.scatter([model.lobby_ideal[0]], [model.lobby_ideal[-1]], s=60, marker="s",
                   color="grey", label=f"{model.lobby_state.n_paid} paid participants")  # fmt: skip
    trail = np.array(model.forum.policy_trail) if model.forum.policy_trail else None
    if trail is not None and trail.shape[1] > 1:
        ax.plot(trail[:, 0], trail[:, 1], color="black", linewidth=1.2, label="policy trail")
    policy = model.forum.policy
    ax.scatter([policy[0]], [policy[1] if policy.shape[0] > 1 else 0], marker="D", s=70,
               color="black", zorder=4, label="policy")  # fmt: skip
    ideal = model.public_ideal
    ax.scatter([ideal[0]], [ideal[1] if ideal.shape[0] > 1 else 0], marker="X", s=110,
               color="#0047ab", zorder=4, label="public ideal")  # fmt: skip
    lobby = model.lobby_ideal
    ax.scatter([lobby[0]], [lobby[1] if lobby.shape[0] > 1 else 0], marker="*", s=200,
               color="red", zorder=4, label="lobby ideal")  # fmt: skip
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_title(title or f"{model.params.design.membership} forum, step {model.steps}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)


def draw_scorecard(model: GovernanceModel, ax: Any) -> None:
    """Draw the governance scorecard (arena x principle, 1-10) as a heat map."""
    if not model.series:
        ax.text(0.5, 0.5, "scorecard after the first step", ha="center", va="center")
        ax.set_axis_off()
        return
    card = model.scorecard()
    table = np.full((len(ARENAS), len(PRINCIPLES)), np.nan)
    for row in card.itertuples():
        table[ARENAS.index(row.arena), PRINCIPLES.index(row.principle)] = row.score
    image = ax.imshow(table, vmin=1, vmax=10, cmap="RdYlGn")
    for i in range(len(ARENAS)):
        for j in range(len(PRINCIPLES)):
            if np.isfinite(table[i, j]):
                ax.text(j, i, f"{table[i, j]:.1f}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(PRINCIPLES)), PRINCIPLES, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(ARENAS)), ARENAS, fontsize=8)
    ax.set_title(f"Governance scorecard (1-10), step {model.steps}")
    ax.figure.colorbar(image, ax=ax, fraction=0.03)


# --------------------------------------------------------------------------- components


@solara.component
def PolicySpace(model: GovernanceModel) -> None:
    """Component: the policy space, redrawn every step."""
    update_counter.get()
    fig = Figure(figsize=(7.2, 5.4))
    draw_policy_space(model, fig.subplots())
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value])


@solara.component
def Scorecard(model: GovernanceModel) -> None:
    """Component: the scorecard heat map, redrawn every step."""
    update_counter.get()
    fig = Figure(figsize=(6.4, 3.6))
    draw_scorecard(model, fig.subplots())
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value])


@solara.component
def Compare(model: AppModel) -> None:
    """Component: the forum and its twin under the other template, same seed, in lockstep."""
    update_counter.get()
    twin = solara.use_memo(model.twin, [id(model)])
    while twin.steps < model.steps:
        twin.step()
    fig = Figure(figsize=(9, 8.4))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.1, 0.9])
    for i, m in enumerate((model, twin)):
        ax = fig.add_subplot(grid[0, i])
        draw_policy_space(m, ax)
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
    ax = fig.add_subplot(grid[1, :])
    for m in (model, twin):
        if m.series:
            steps = [row["step"] for row in m.series]
            ax.plot(steps, [row["lobby_bias"] for row in m.series],
                    label=f"{m.params.design.membership}: lobby bias")  # fmt: skip
            ax.plot(steps, [row["true_rose"] for row in m.series], linestyle="--",
                    label=f"{m.params.design.membership}: Rose (true)")  # fmt: skip
    ax.set_xlabel("step")
    ax.set_title("same seed, same lobby")
    ax.legend(fontsize=7)
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value])


def _plots() -> list[Any]:
    return [
        make_plot_component({"rose": "tab:blue", "true_rose": "tab:red"}),
        make_plot_component({"grassroots_share": "tab:orange"}),
        make_plot_component({"congruence_error": "tab:purple"}),
        make_plot_component({"lobby_bias": "tab:red"}),
    ]


@solara.component
def Page() -> None:
    """The app's page: one model per browser session, shown with Mesa's SolaraViz."""
    model = solara.use_memo(AppModel, [])
    components = [(PolicySpace, 0), (Scorecard, 0)]
    components += _plots()  # make_plot_component returns (component, page) pairs
    components += [(Compare, 1)]
    SolaraViz(
        model,
        components=components,
        model_params=MODEL_PARAMS,
        name="msisim — multistakeholder forum",
        play_interval=150,
    )


def close_figures() -> None:
    """Close pyplot figures (the app draws on Figure objects, so there should be none)."""
    plt.close("all")
