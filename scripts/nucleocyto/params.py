"""The parameters of the steps, checked: one frozen dataclass per ``config.yaml`` section.

Standard library only, so that the workflow can check the configuration when it is parsed
(mistakes surface at ``snakemake -n``) without importing NumPy, SciPy or scikit-image.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real

from . import CHANNELS

#: Automatic threshold methods, named as scikit-image's ``threshold_<name>``; a number instead
#: of a name is a manual threshold.
THRESHOLD_METHODS = ("otsu", "li", "triangle", "yen")


@dataclass(frozen=True)
class MaskParams:
    """Mask parameters (see ``config.yaml`` ``masks:``).

    Attributes
    ----------
    threshold : str or float
        ``"otsu"`` (classic), ``"li"``, ``"triangle"``, ``"yen"`` (scikit-image's methods on the
        frame), or a number: a manual threshold (counts). Nucleus pixels are strictly above it.
    smooth_sigma_px : float
        Sigma of a Gaussian applied to the marker frame before thresholding (px); 0 = raw.
    fill_holes : bool
        Fill holes inside nuclei.
    split_touching : bool
        Split touching nuclei by a watershed of the distance transform.
    split_depth_px : float
        Two touching nuclei are split where the distance transform dips by at least this much
        (px) between their centres, i.e. the neck is that much thinner than the smaller nucleus.
    clear_border : bool
        Drop nuclei touching the image border.
    min_area_px : int
        Drop nuclei with fewer pixels; 0 keeps all.
    max_area_px : int or None
        Drop nuclei with more pixels; None keeps all.
    ring_inner_px, ring_outer_px : int
        The ring holds pixels at Euclidean distance d from the nearest nucleus pixel with
        ``inner < d <= outer`` (pixels).
    ring_contact_px : int
        Drop ring pixels within this distance (px) of another cell's nucleus or ring; 0 keeps
        them all.
    ring_poi_threshold : str or float
        ``"none"`` keeps every ring pixel; a method name or number as for ``threshold``, applied
        to the raw POI frame, keeps only ring pixels strictly above it.
    """

    threshold: str | float = "otsu"
    smooth_sigma_px: float = 0.0
    fill_holes: bool = False
    split_touching: bool = False
    split_depth_px: float = 2.0
    clear_border: bool = False
    min_area_px: int = 0
    max_area_px: int | None = None
    ring_inner_px: int = 3
    ring_outer_px: int = 5
    ring_contact_px: int = 0
    ring_poi_threshold: str | float = "none"

    def __post_init__(self) -> None:
        _check_threshold("masks.threshold", self.threshold)
        if self.ring_poi_threshold != "none":
            _check_threshold("masks.ring_poi_threshold", self.ring_poi_threshold)
        if not 0 <= self.ring_inner_px < self.ring_outer_px:
            raise ValueError(
                f"masks: need 0 <= ring_inner_px < ring_outer_px, got "
                f"{self.ring_inner_px} and {self.ring_outer_px}."
            )
        if self.smooth_sigma_px < 0 or self.min_area_px < 0 or self.ring_contact_px < 0:
            raise ValueError("masks: smooth_sigma_px, min_area_px and ring_contact_px must be >= 0.")
        if not self.split_depth_px > 0:
            raise ValueError(f"masks.split_depth_px must be > 0, got {self.split_depth_px}.")
        if self.max_area_px is not None and self.max_area_px < max(self.min_area_px, 1):
            raise ValueError(
                f"masks: max_area_px ({self.max_area_px}) must be >= 1 and >= min_area_px ({self.min_area_px})."
            )


def _check_threshold(key: str, value: object) -> None:
    if isinstance(value, bool) or not (value in THRESHOLD_METHODS or isinstance(value, Real)):
        raise ValueError(f"{key}: unknown method {value!r}; use one of {sorted(THRESHOLD_METHODS)} or a number.")


#: Tracking methods; ``none`` keeps the per-frame labels.
TRACK_METHODS = ("none", "overlap", "centroid")


@dataclass(frozen=True)
class TrackParams:
    """Tracking parameters (see ``config.yaml`` ``tracking:``).

    Attributes
    ----------
    method : str
        ``"none"`` (per-frame labels, the classic default), ``"overlap"`` or ``"centroid"``.
    max_displacement_px : float
        Largest centroid displacement between consecutive frames that may link (px).
    max_gap_frames : int
        A track missing for up to this many frames may be continued; 0 = no bridging.
    """

    method: str = "none"
    max_displacement_px: float = 15.0
    max_gap_frames: int = 1

    def __post_init__(self) -> None:
        if self.method not in TRACK_METHODS:
            raise ValueError(f"tracking.method: unknown method {self.method!r}; use one of {list(TRACK_METHODS)}.")
        if not self.max_displacement_px > 0:
            raise ValueError(f"tracking.max_displacement_px must be > 0, got {self.max_displacement_px}.")
        if self.max_gap_frames < 0:
            raise ValueError(f"tracking.max_gap_frames must be >= 0, got {self.max_gap_frames}.")


#: Background methods.
BACKGROUNDS = ("none", "median_outside", "fixed")


@dataclass(frozen=True)
class BackgroundParams:
    """Background subtraction (see ``config.yaml`` ``background:``).

    Attributes
    ----------
    method : str
        ``"none"`` (classic: raw values), ``"median_outside"`` (per frame and channel, the
        median of the pixels farther than ``dilate_px`` from every cell's nucleus and ring) or
        ``"fixed"`` (the values in ``fixed``).
    dilate_px : float
        Margin around the cells excluded from the background pixels (px).
    fixed : mapping of str to float
        Background per channel name (counts), used by ``"fixed"``.
    """

    method: str = "none"
    dilate_px: float = 10.0
    fixed: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0.0))

    def __post_init__(self) -> None:
        if self.method not in BACKGROUNDS:
            raise ValueError(f"background.method: unknown method {self.method!r}; use one of {list(BACKGROUNDS)}.")
        if self.dilate_px < 0:
            raise ValueError(f"background.dilate_px must be >= 0, got {self.dilate_px}.")
        if set(self.fixed) != set(CHANNELS):
            raise ValueError(f"background.fixed: give one value for each channel {list(CHANNELS)}.")
