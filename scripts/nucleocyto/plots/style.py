"""One figure style for every plot: sizes, a colour-blind-safe palette, units in labels.

Figure builders are wrapped in :func:`styled`, so every text, legend and tick they create uses
:data:`RC`; :func:`save` writes the PNG and SVG of a figure, deterministically (no dates, fixed
SVG ids), so two runs give identical bytes.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io.atomic import atomic_path  # noqa: E402

#: Okabe-Ito colours, safe for the common colour-vision deficiencies, by meaning.
COLORS = {
    "nucleus": "#D55E00",  # vermillion
    "cytoplasm": "#0072B2",  # blue
    "ratio": "#009E73",  # bluish green
    "frame": "#999999",  # grey
    "all_cells": "#CC79A7",  # reddish purple
    "pooled": "#000000",  # black
}

#: Okabe-Ito colours for categories without a fixed meaning (conditions), in order of use.
CATEGORICAL = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: Perceptually uniform, colour-blind-safe colour map for time.
TIME_CMAP = "viridis"

#: Width of a two-column journal figure (inches); no figure is wider.
PAGE_WIDTH_IN = 7.0

#: Frames beyond which time courses are drawn as lines without point markers.
MARKER_FRAMES = 40

RC = {
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "figure.titlesize": 10,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "nucleocyto",  # deterministic SVG ids
    "svg.fonttype": "none",  # text stays editable text in the SVG
    "image.interpolation": "nearest",
}


def styled(build):
    """Decorator: run a figure builder with :data:`RC` in effect, so everything it draws
    (titles, labels, legends, ticks) takes the shared style."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        with plt.rc_context(RC):
            return build(*args, **kwargs)

    return wrapper


def figure(width_in: float, height_in: float, ncols: int = 1, nrows: int = 1, **kwargs):
    """A new figure and axes in the shared style (sizes in inches, constrained layout, so the
    pixel size of the PNG is exactly ``width_in × dpi`` by ``height_in × dpi``). Call it
    from a :func:`styled` builder."""
    return plt.subplots(nrows, ncols, figsize=(width_in, height_in), layout="constrained", **kwargs)


def save(fig, png_path: str | Path, svg_path: str | Path, dpi: int) -> None:
    """Write ``fig`` as PNG (at ``dpi``) and SVG, each atomically, then close it.

    The layout is computed once, while the PNG is drawn, and then frozen, so the SVG shares it
    (and it is not computed again, which is slow for figures with many panels)."""
    with plt.rc_context(RC):
        with atomic_path(png_path) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png", metadata={"Software": None})
        fig.set_layout_engine("none")
        with atomic_path(svg_path) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None})
    plt.close(fig)


def markers(n_frames: int) -> dict:
    """Line keyword arguments: small point markers for short movies, plain lines for long ones."""
    return {"marker": "o", "ms": 2.5} if n_frames <= MARKER_FRAMES else {}


def band(ax, x: np.ndarray, low: np.ndarray, high: np.ndarray, color: str, label: str | None = None) -> None:
    """Shade the spread between ``low`` and ``high`` (NaN leaves a gap)."""
    ax.fill_between(x, low, high, color=color, alpha=0.22, linewidth=0, label=label)


def time_unit(duration_s: float | None) -> tuple[float | None, str]:
    """(seconds per unit, unit) for a time axis spanning ``duration_s`` seconds: minutes from
    5 min on, seconds below, ``(None, "frame")`` when the duration is unknown (None or NaN)."""
    if duration_s is None or not math.isfinite(duration_s):
        return None, "frame"
    return (60.0, "min") if duration_s >= 300 else (1.0, "s")


def movie_duration_s(n_frames: int, frame_interval_s: float | None) -> float | None:
    """Time from the first to the last frame (s), None when the frame interval is unknown."""
    return None if frame_interval_s is None else (n_frames - 1) * frame_interval_s


def time_axis(frames: np.ndarray, n_frames: int, frame_interval_s: float | None) -> tuple[np.ndarray, str]:
    """Time values of ``frames`` and the axis label, e.g. ``"Time (min)"`` or ``"Frame"``."""
    scale, unit = time_unit(movie_duration_s(n_frames, frame_interval_s))
    frames = np.asarray(frames, dtype=float)
    if scale is None:
        return frames, "Frame"
    return frames * frame_interval_s / scale, f"Time ({unit})"


def time_label(frame: int, n_frames: int, frame_interval_s: float | None) -> str:
    """Short title for one frame, e.g. ``"t = 12.0 min (frame 12)"`` or ``"frame 12"``."""
    scale, unit = time_unit(movie_duration_s(n_frames, frame_interval_s))
    if scale is None:
        return f"frame {frame}"
    return f"t = {frame * frame_interval_s / scale:.1f} {unit} (frame {frame})"
