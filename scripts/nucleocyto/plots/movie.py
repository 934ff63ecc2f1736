"""A small animated GIF of a movie's masks, to scrub through segmentation and tracking.

Each frame shows the POI channel in grey with the outline of every nucleus and of its cytoplasm
in a colour of its own: a colour follows one track id through the movie, so an id that jumps
between cells, a track that ends or a division (two new colours) shows as a change of colour.
Frames are drawn with NumPy as indices into one fixed 256-colour palette (greys, then the track
colours at full and at dimmed brightness, then white for the text) and written with Pillow (which
Matplotlib depends on), not Matplotlib: no colour quantisation, the same colours in every frame.
"""

from __future__ import annotations

import colorsys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .. import POI
from ..io.atomic import atomic_path
from ..segment.labels import label_edges

#: Frames whose longer side is below this (px) are enlarged by whole pixels up to it.
ENLARGE_TO_PX = 384

#: Frames whose longer side is above this (px) are reduced by taking every n-th pixel.
REDUCE_TO_PX = 512

#: Most frames in the movie; longer movies show evenly spaced frames.
MOVIE_FRAMES = 40

#: Grey levels of the POI (0 to 186 in steps of 6, leaving the bright colours to the outlines):
#: fewer levels than the camera's keep the GIF small.
GREY_LEVELS = 32

#: Colours of the tracks: track id k has colour (k − 1) mod TRACK_HUES, so more tracks than this
#: share colours (ids far apart); the palette holds the greys, these at full and at 0.6
#: brightness, and white.
TRACK_HUES = (256 - GREY_LEVELS - 1) // 2

#: Palette index of the first full-brightness track colour, of the first dimmed one, of white.
FULL, DIMMED, WHITE = GREY_LEVELS, GREY_LEVELS + TRACK_HUES, 255

#: Time each frame is shown (ms).
FRAME_MS = 200


def track_entry(ids: np.ndarray) -> np.ndarray:
    """The palette index (:func:`palette`) of the full-brightness colour of each track id (≥ 1):
    id k has track colour (k − 1) mod :data:`TRACK_HUES`; its dimmed colour is TRACK_HUES further."""
    return FULL + (ids - 1) % TRACK_HUES


def palette() -> np.ndarray:
    """(256, 3) uint8 RGB palette of the movie: :data:`GREY_LEVELS` greys (0, 6, 12, ...), the
    track colours from :data:`FULL`, the same at 0.6 brightness from :data:`DIMMED`, white last."""
    colours = np.zeros((256, 3), np.uint8)
    colours[:GREY_LEVELS] = (np.arange(GREY_LEVELS) * 6)[:, None]
    hues = _hues()
    colours[FULL : FULL + TRACK_HUES] = hues
    colours[DIMMED : DIMMED + TRACK_HUES] = (hues * 0.6).astype(np.uint8)
    colours[WHITE] = 255
    return colours


def _hues() -> np.ndarray:
    """(TRACK_HUES, 3) uint8 RGB: hues a golden angle apart, so neighbouring entries differ, at
    0.85 saturation and full value."""
    hues = (np.arange(TRACK_HUES) * 0.618033988749895) % 1.0
    return (np.array([colorsys.hsv_to_rgb(h, 0.85, 1.0) for h in hues]) * 255).round().astype(np.uint8)


def mask_movie(stack: np.ndarray, nuclei: np.ndarray, cytoplasm: np.ndarray, path: str | Path, title: str) -> list[int]:
    """Write the mask movie of a sample as a looping GIF.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
        Raw movie (usually a read-only memory map); only the frames shown are read.
    nuclei, cytoplasm : (T, Y, X) ndarray of int
        Label stacks (track ids when tracking is on).
    path : path
        Output ``.gif``, written atomically.
    title : str
        Written above each frame with its frame number and count of cells.

    Returns
    -------
    list of int
        The frames shown.
    """
    n_frames, _, height, width = stack.shape
    shown = sorted({int(round(t)) for t in np.linspace(0, n_frames - 1, min(n_frames, MOVIE_FRAMES))})
    zoom = max(1, ENLARGE_TO_PX // max(height, width))
    stride = max(1, -(-max(height, width) // REDUCE_TO_PX))
    sample = np.s_[::stride, ::stride]
    poi = np.asarray(stack[shown[0], POI], dtype=np.float64)[sample]
    low, high = np.percentile(poi, [0.5, 99.8])
    colours = palette().ravel().tolist()
    images = []
    for t in shown:
        grey = np.asarray(stack[t, POI], dtype=np.float64)[sample]
        index = np.round(np.clip((grey - low) / (high - low or 1.0), 0, 1) * (GREY_LEVELS - 1)).astype(np.uint8)
        index = np.repeat(np.repeat(index, zoom, axis=0), zoom, axis=1)
        labels = [
            np.repeat(np.repeat(np.asarray(a[t])[sample], zoom, axis=0), zoom, axis=1) for a in (nuclei, cytoplasm)
        ]
        cytoplasm_edges = label_edges(np.where(labels[0] == 0, labels[1], 0))
        index[cytoplasm_edges] = track_entry(labels[1][cytoplasm_edges]) + TRACK_HUES
        nucleus_edges = label_edges(labels[0])
        index[nucleus_edges] = track_entry(labels[0][nucleus_edges])
        frame = Image.new("P", (index.shape[1], index.shape[0] + 14), 0)
        frame.putpalette(colours)
        frame.paste(Image.fromarray(index, "P"), (0, 14))
        count = np.count_nonzero(np.bincount(np.asarray(nuclei[t]).ravel())[1:])
        ImageDraw.Draw(frame).text((3, 1), f"{title}  frame {t}/{n_frames - 1}  {count} nuclei", fill=WHITE)
        images.append(frame)
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=FRAME_MS, loop=0)
    return shown
