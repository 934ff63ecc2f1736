"""Per-sample and summary figures. Each function returns a Matplotlib figure; the caller saves it
with :func:`nucleocyto.style.save`. Only the frames shown are read from the stack."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage

from .measure import pooled_means
from .style import COLORS, figure, time_axis, time_label


def montage_frames(n_frames: int, count: int) -> list[int]:
    """``count`` evenly spaced frame indices from first to last (fewer for short movies)."""
    return sorted({int(round(i)) for i in np.linspace(0, n_frames - 1, min(count, n_frames))})


def overlay_montage(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytosol: np.ndarray,
    frames: list[int],
    frame_interval_s: float | None,
    pixel_size_um: float | None,
):
    """POI channel of ``frames`` with nucleus and ring contours and each cell's id.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray; nuclei, cytosol : (T, Y, X) int label stacks
    frames : frame indices to show, one panel each.
    """
    n_frames, _, height, width = stack.shape
    images = [np.asarray(stack[t, 0], dtype=float) for t in frames]
    low, high = np.percentile(np.concatenate([im.ravel() for im in images]), [0.5, 99.8])
    panel_w = 2.6
    fig, axes = figure(panel_w * len(frames), panel_w * height / width + 0.5, ncols=len(frames), squeeze=False)
    for ax, t, image in zip(axes[0], frames, images):
        ax.imshow(image, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
        nucleus_t, ring_t = np.asarray(nuclei[t]), np.asarray(cytosol[t])
        for labels, key in ((nucleus_t, "nucleus"), (ring_t, "cytosol")):
            if labels.any():
                ax.contour(labels > 0, levels=[0.5], colors=COLORS[key], linewidths=0.8)
        ids = np.flatnonzero(np.bincount(nucleus_t.ravel()))[1:] if nucleus_t.any() else []
        for cell_id, (y, x) in zip(ids, ndimage.center_of_mass(nucleus_t > 0, nucleus_t, ids)):
            ax.text(x, y, str(cell_id), color="white", fontsize=7, ha="center", va="center", weight="bold")
        ax.set_title(time_label(t, n_frames, frame_interval_s))
        ax.set_axis_off()
    if pixel_size_um:
        _scale_bar(axes[0][-1], pixel_size_um, width, height)
    handles = [
        _line(COLORS["nucleus"], "nucleus"),
        _line(COLORS["cytosol"], "cytosol ring"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


def timecourse(intensities: pd.DataFrame, n_frames: int, frame_interval_s: float | None):
    """Nuclear and cytosolic POI means (all cells pooled by area) and their N/C ratio over time."""
    pooled = pooled_means(intensities[intensities["channel"] == "poi"])
    wide = pooled.pivot(index="frame", columns="region", values="mean")
    x, xlabel = time_axis(wide.index.to_numpy(), n_frames, frame_interval_s)
    fig, (ax_mean, ax_ratio) = figure(7.0, 2.8, ncols=2)
    for region in ("nucleus", "cytosol"):
        ax_mean.plot(x, wide[region], "o-", ms=3, color=COLORS[region], label=region)
    ax_mean.set(xlabel=xlabel, ylabel="POI mean intensity (counts)", title="POI in nucleus and cytosol")
    ax_mean.legend(frameon=False)
    ax_ratio.plot(x, wide["nucleus"] / wide["cytosol"], "o-", ms=3, color=COLORS["ratio"])
    ax_ratio.set(xlabel=xlabel, ylabel="N/C ratio of POI means", title="Nuclear / cytosolic ratio")
    return fig


def correlation_over_time(correlation: pd.DataFrame, n_frames: int, frame_interval_s: float | None):
    """Per-frame Pearson r between POI and nuclear marker, in all cells and over the frame."""
    fig, ax = figure(4.5, 2.8)
    for scope, label in (("all_cells", "inside cells (nucleus + ring)"), ("frame", "whole frame")):
        rows = correlation[correlation["scope"] == scope].sort_values("frame")
        x, xlabel = time_axis(rows["frame"].to_numpy(), n_frames, frame_interval_s)
        ax.plot(x, rows["pearson_r"], "o-", ms=3, color=COLORS[scope], label=label)
    ax.axhline(0, color="black", lw=0.5)
    ax.set(xlabel=xlabel, ylabel="Pearson r (POI vs marker)", ylim=(-1.05, 1.05), title="Pixel correlation per frame")
    ax.legend(frameon=False)
    return fig


def summary(translocation: pd.DataFrame, conditions: dict[str, str]):
    """Nucleus-vs-cytosol temporal Pearson r per sample (cells pooled), grouped by condition."""
    pooled = translocation[translocation["cell_id"] == 0].copy()
    pooled["condition"] = pooled["sample"].map(conditions).fillna("").replace("", "(none)")
    groups = sorted(pooled["condition"].unique())
    fig, ax = figure(max(3.0, 1.2 * len(groups) + 1.5), 3.0)
    for i, condition in enumerate(groups):
        rows = pooled[pooled["condition"] == condition]
        ax.scatter(np.full(len(rows), i), rows["temporal_pearson_r"], color=COLORS["ratio"], zorder=3)
        for _, row in rows.iterrows():
            ax.annotate(row["sample"], (i, row["temporal_pearson_r"]), xytext=(5, 0), textcoords="offset points", fontsize=7, va="center")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xticks(range(len(groups)), groups)
    ax.set(xlim=(-0.5, len(groups) - 0.2), ylim=(-1.05, 1.05), ylabel="Temporal r, nuclear vs cytosolic POI", title="Translocation per sample")
    return fig


def _scale_bar(ax, pixel_size_um: float, width: int, height: int) -> None:
    """A round-length scale bar (µm) in the lower right corner."""
    target = width * pixel_size_um / 5
    length_um = next((v for v in (50, 20, 10, 5, 2, 1) if v <= target), 1)
    length_px = length_um / pixel_size_um
    x0, y0 = width * 0.95 - length_px, height * 0.93
    ax.plot([x0, x0 + length_px], [y0, y0], color="white", lw=2.5, solid_capstyle="butt")
    ax.text(x0 + length_px / 2, y0 - height * 0.03, f"{length_um} µm", color="white", fontsize=7, ha="center", va="bottom")


def _line(color: str, label: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, lw=1.5, label=label)
