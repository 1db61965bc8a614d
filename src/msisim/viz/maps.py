"""The figure of a stakeholder map: the power/interest grid beside the policy space.

Left, the power/interest grid (Mendelow 1991; Eden & Ackermann 1998): interest across,
power up, each group a circle whose area is its size, coloured by its forum category, with
the four quadrants named (manage closely, keep satisfied, keep informed, monitor). Right,
the groups in the first two policy dimensions: each group's mean position, a circle of
radius ``spread`` around it (where about two in three of its members stand), sized by the
group's size as on the left. Colours are the package's category palette
(:mod:`msisim.viz.style`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from msisim.stakeholder_map import QUADRANTS, StakeholderMap
from msisim.viz import style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Colours of categories the palette does not know (Okabe-Ito's remaining hues, then greys);
#: red stays the lobby's.
EXTRA_COLORS = ("#F0E442", "#000000", style.OTHER_COLOR, "#BBBBBB", "#444444")
#: Colour of the lobby (its group's ring and its ideal), as in the app.
LOBBY_COLOR = style.LOBBY_COLOR
#: Marker area (points squared) of a group holding the whole population.
FULL_AREA = 4000.0
#: Marker area of the smallest group (so that it stays visible).
MIN_AREA = 60.0

_QUADRANT_CORNERS = {  # (high power, high interest) -> text position, alignment
    (True, True): ((0.98, 0.98), "right", "top"),
    (True, False): ((0.02, 0.98), "left", "top"),
    (False, True): ((0.98, 0.02), "right", "bottom"),
    (False, False): ((0.02, 0.02), "left", "bottom"),
}


def category_colors(categories: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The palette's colour of each category; new categories get the extra colours in turn."""
    out, extra = {}, 0
    for name in categories:
        if name in style.CATEGORY_COLORS:
            out[name] = style.CATEGORY_COLORS[name]
        else:
            out[name] = EXTRA_COLORS[extra % len(EXTRA_COLORS)]
            extra += 1
    return out


def plot_stakeholder_map(
    smap: StakeholderMap,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    lobby_group: str | None = None,
    lobby_ideal: tuple[float, ...] | list[float] | None = None,
) -> Figure:
    """Draw a stakeholder map: power/interest grid (left) and policy space (right).

    Args:
        smap: The map (see :func:`msisim.stakeholder_map.load_stakeholder_map`).
        path: PNG file to write (folders are created); none: only return the figure.
        title: Figure title (default: the map's name, its groups and categories).
        lobby_group: A group to highlight as the lobby's (a thick red ring on both panels).
        lobby_ideal: The lobby's ideal, marked with a red cross on the policy space.

    Returns:
        The figure (close it with ``plt.close(fig)`` when done).
    """
    table = smap.summary()
    categories = smap.categories
    colors = category_colors(categories)
    areas = MIN_AREA + FULL_AREA * table["share"].to_numpy()
    fig, (grid, space) = plt.subplots(1, 2, figsize=(15, 7.2))
    _draw_grid(grid, table, colors, areas)
    _draw_space(space, table, colors, areas)
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=10, color=colors[c],
               markeredgecolor="black", label=style.category_label(c))
        for c in categories
    ]  # fmt: skip
    if lobby_group is not None:
        row = table.index[table["group"] == lobby_group]
        if len(row):
            i = int(row[0])
            position = list(table.loc[i, "position"]) + [0.5] * 2
            for ax, (x, y) in (
                (grid, (table.loc[i, "interest"], table.loc[i, "power"])),
                (space, (position[0], position[1])),
            ):
                ax.scatter([x], [y], s=areas[i], facecolors="none", edgecolors=LOBBY_COLOR,
                           linewidths=3.0, zorder=4)  # fmt: skip
            handles.append(
                Line2D([], [], marker="o", linestyle="", markersize=11, markerfacecolor="none",
                       markeredgecolor=LOBBY_COLOR, markeredgewidth=2.5,
                       label=f"the lobby's group: {lobby_group}")
            )  # fmt: skip
    if lobby_ideal is not None and len(lobby_ideal) >= 2:
        space.scatter([lobby_ideal[0]], [lobby_ideal[1]], marker="X", s=260, color=LOBBY_COLOR,
                      edgecolors="white", linewidths=1.5, zorder=6)  # fmt: skip
        handles.append(
            Line2D([], [], marker="X", linestyle="", markersize=12, color=LOBBY_COLOR,
                   markeredgecolor="white", label="the lobby's ideal")
        )  # fmt: skip
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 5 if len(handles) > 7 else 7),
        frameon=False,
        fontsize=11,
        title="Forum category (circle area = group size)",
    )
    n = smap.default_n()
    fig.suptitle(
        title
        or f"Stakeholder map '{smap.name}': {len(table)} groups in {len(categories)} "
        f"categories, N = {n:,}",
        fontsize=15,
    )
    fig.tight_layout(rect=(0, 0.1, 1, 0.96))
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig


def _draw_grid(ax: Axes, table: pd.DataFrame, colors: dict[str, str], areas: np.ndarray) -> None:
    for (high_power, high_interest), name in QUADRANTS.items():
        (x, y), ha, va = _QUADRANT_CORNERS[(high_power, high_interest)]
        ax.text(x, y, name.upper(), transform=ax.transAxes, ha=ha, va=va, fontsize=12,
                color="#555555", fontweight="bold")  # fmt: skip
    ax.axhline(0.5, color="#888888", lw=1.2, ls="--", zorder=1)
    ax.axvline(0.5, color="#888888", lw=1.2, ls="--", zorder=1)
    ax.fill_between([0.5, 1.05], 0.5, 1.05, color="#EEEEEE", zorder=0)  # manage closely
    x, y = table["interest"].to_numpy(), table["power"].to_numpy()
    ax.scatter(x, y, s=areas, c=[colors[c] for c in table["category"]], alpha=0.85,
               edgecolors="black", linewidths=1.0, zorder=3)  # fmt: skip
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    _labels(ax, x, y, list(table["group"]), areas)
    ax.set_xlabel("Interest (how much the forum's decisions matter to them)", fontsize=12)
    ax.set_ylabel("Power (how much they can shape the decisions)", fontsize=12)
    ax.set_title("Power / interest grid", fontsize=13)
    ax.set_aspect("equal")


def _draw_space(ax: Axes, table: pd.DataFrame, colors: dict[str, str], areas: np.ndarray) -> None:
    positions = np.array([list(p) + [0.5] * (2 - len(p)) for p in table["position"]])
    x, y = positions[:, 0], positions[:, 1]
    for xi, yi, spread, category in zip(x, y, table["spread"], table["category"], strict=True):
        ax.add_patch(Circle((xi, yi), spread, color=colors[category], alpha=0.15, lw=0,
                            zorder=1))  # fmt: skip
    ax.scatter(x, y, s=areas, c=[colors[c] for c in table["category"]], alpha=0.85,
               edgecolors="black", linewidths=1.0, zorder=3)  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    _labels(ax, x, y, list(table["group"]), areas)
    ax.set_xlabel("Policy dimension 1 (x)", fontsize=12)
    ax.set_ylabel("Policy dimension 2 (y)", fontsize=12)
    ax.set_title("Where the groups stand (shaded: mean ± spread)", fontsize=13)
    ax.set_aspect("equal")
    ax.grid(True, color="#DDDDDD", lw=0.8)


def _labels(ax: Axes, x: np.ndarray, y: np.ndarray, names: list[str], areas: np.ndarray) -> None:
    """Group names beside their circles, nudged apart vertically where they would overlap."""
    offset = np.sqrt(areas) / 2 / 72 * 0.12 + 0.02  # about the circle's radius, in data units
    width = np.array([0.0125 * len(n) for n in names])  # rough text width in data units
    left = x + offset + width > ax.get_xlim()[1]  # would run past the right edge
    lx = np.where(left, x - offset - width, x + offset)  # left edge of each label
    ly = y.astype(float).copy()
    step = 0.035
    for _ in range(60):  # push overlapping labels apart until none overlap
        moved = False
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                overlap_x = lx[i] < lx[j] + width[j] and lx[j] < lx[i] + width[i]
                if overlap_x and abs(ly[i] - ly[j]) < step:
                    shift = (step - abs(ly[i] - ly[j])) / 2 + 1e-3
                    up, down = (i, j) if ly[i] >= ly[j] else (j, i)
                    ly[up] += shift
                    ly[down] -= shift
                    moved = True
        if not moved:
            break
    for xi, yi, tx, ty, w, name in zip(x, y, lx, ly, width, names, strict=True):
        on_left = tx < xi
        ax.annotate(
            name, (xi, yi), (tx + w if on_left else tx, ty), fontsize=10, va="center", zorder=5,
            ha="right" if on_left else "left",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
            arrowprops=None if abs(ty - yi) < 0.02 else {"arrowstyle": "-", "color": "#777777"},
        )  # fmt: skip
