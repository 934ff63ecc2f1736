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

#: Paul Tol's "muted" colours, safe for the common colour-vision deficiencies, for replicates
#: (distinct from the conditions' Okabe-Ito colours), each with its own marker shape.
REPLICATE_COLORS = ("#332288", "#CC6677", "#117733", "#DDCC77", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
REPLICATE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")

#: Perceptually uniform, colour-blind-safe colour map for time.
TIME_CMAP = "viridis"

#: Diverging, colour-blind-safe colour map (ColorBrewer RdBu) for a response above or below its
#: baseline: red above, blue below, white at the baseline.
RESPONSE_CMAP = "RdBu_r"

#: Colour of the stimulation-time marker.
STIMULUS_COLOR = "#444444"

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


def figure(width_in: float, height_in: float, ncols: int = 1, nrows: int = 1, layout: str = "constrained", **kwargs):
    """A new figure and axes in the shared style (sizes in inches, constrained layout unless
    ``layout`` says otherwise, so the pixel size of the PNG is exactly ``width_in × dpi`` by
    ``height_in × dpi``). Call it from a :func:`styled` builder."""
    return plt.subplots(nrows, ncols, figsize=(width_in, height_in), layout=layout, **kwargs)


def message_figure(message: str, title: str):
    """A small figure that only says ``message`` (for data without anything to draw). Call it
    from a :func:`styled` builder."""
    fig, ax = figure(3.2, 1.2)
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    fig.suptitle(title)
    return fig


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


def markers(n_frames: int, size: float = 2.5) -> dict:
    """Line keyword arguments: point markers of ``size`` (points) for short movies, plain lines
    for long ones."""
    return {"marker": "o", "ms": size} if n_frames <= MARKER_FRAMES else {}


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


def condition_colors(conditions) -> dict[str, str]:
    """{condition: colour} from :data:`CATEGORICAL`, in the order given (the sample sheet's), so
    that a condition has the same colour in every figure."""
    return {condition: CATEGORICAL[i % len(CATEGORICAL)] for i, condition in enumerate(dict.fromkeys(conditions))}


def stimulus_line(ax, x: float | None, label: bool = True) -> None:
    """Mark the stimulation time ``x`` (axis units) with a dashed vertical line, named
    "stimulus" at the top of the axes; nothing when ``x`` is None or NaN."""
    if x is None or not math.isfinite(x):
        return
    ax.axvline(x, color=STIMULUS_COLOR, lw=0.8, ls="--", zorder=1.5)
    if label:
        ax.annotate(
            "stimulus",
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            fontsize="small",
            color=STIMULUS_COLOR,
            ha="left",
            va="top",
        )


#: Mantissas of log-axis ticks, coarsest first; :func:`log_ticks` takes the first giving enough.
_LOG_MANTISSAS = ((1.0,), (1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0), tuple(np.arange(1.0, 10.0, 0.5)))


def log_ticks(low: float, high: float, min_ticks: int = 4) -> list[float]:
    """Tick values for a log axis spanning ``low``..``high`` (> 0): round numbers (1, 2, 5 × 10ᵏ,
    then finer), the coarsest set with at least ``min_ticks`` inside the span, else evenly spaced
    round steps for a narrow span."""
    for mantissas in _LOG_MANTISSAS:
        decades = range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
        ticks = [m * 10.0**k for k in decades for m in mantissas if low <= m * 10.0**k <= high]
        if len(ticks) >= min_ticks:
            return [float(f"{t:.6g}") for t in ticks]
    step = 10.0 ** math.floor(math.log10((high - low) / min_ticks))
    step = next(m * step for m in (5.0, 2.0, 1.0) if (high - low) / (m * step) >= min_ticks - 1)
    return [float(f"{t:.6g}") for t in np.arange(math.ceil(low / step) * step, high + step / 2, step)]
