"""Every setting of the workflow: one frozen dataclass per ``config.yaml`` section, and the sample
sheet.

``workflow/schemas/config.schema.yaml`` owns the types and ranges of the configuration (checked
when the workflow is parsed); the dataclasses add only the rules that tie several fields
together. Their defaults equal ``config.yaml``'s (a test checks it). Standard library and pandas
only, so that parsing the workflow (``snakemake -n``) imports neither NumPy's image libraries nor
the TIFF readers.
"""

from __future__ import annotations

import csv
import difflib
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import CHANNELS
from .errors import InputError
from .filenames import SERIES_SUFFIXES, is_pattern, series_files, series_stem

# pandas is imported by the sample-sheet functions that use it, not here: the steps that read no
# sheet (ingest) then skip its import, 0.4 s a job.
if TYPE_CHECKING:
    import pandas as pd

#: Automatic threshold methods, named as scikit-image's ``threshold_<name>``; a number instead
#: of a name is a manual threshold (counts).
THRESHOLD_METHODS = ("otsu", "li", "triangle", "yen")

#: Definitions the colocalisation measures follow: Fiji's Coloc 2 or CellProfiler's
#: MeasureColocalization (docs/method.md).
COLOC_CONVENTIONS = ("coloc2", "cellprofiler")


@dataclass(frozen=True)
class MaskParams:
    """Nucleus and ring masks (``config.yaml`` ``masks:``).

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
    min_area_um2 : float
        Nuclei smaller than this (µm²) are not counted as cells: they seed no whole cell, and
        per-cell figures, summaries and QC counts leave them out; they stay in the masks and the
        tables (see :meth:`min_cell_area_px`). Unused when the pixel size is unknown.
    cytoplasm : str
        ``"ring"`` (classic: the ring between ``ring_inner_px`` and ``ring_outer_px``) or
        ``"cell"`` (the whole cell grown from the nucleus, minus the nucleus).
    ring_inner_px, ring_outer_px : int
        The cytoplasm ring holds pixels at Euclidean distance d from the nearest nucleus pixel
        with ``inner < d <= outer`` (px).
    ring_contact_px : int
        Drop ring pixels within this distance (px) of another cell's nucleus or ring; 0 keeps
        them all.
    ring_poi_threshold : str or float
        ``"none"`` keeps every ring pixel; a method name or number as for ``threshold``, applied
        to the raw POI frame, keeps only ring pixels strictly above it.
    cell_channel : str
        Channel the whole cells are grown on: ``"poi"`` or ``"cell"`` (a third channel named in
        the sample sheet).
    cell_smooth_sigma_px : float
        Gaussian sigma applied to the cell channel before thresholding (px); 0 = raw.
    cell_threshold : str or float
        Cell bodies are the smoothed cell-channel pixels strictly above this threshold: a method
        name or a number (counts), as for ``threshold``.
    cell_max_distance_px : float
        No cell pixel is farther than this from the nearest nucleus (px).
    cell_regularization : float
        Cost of a step of the propagation per pixel of distance, against the change of the
        normalised cell channel: large values grow each cell towards the nearest nucleus, small
        ones put borders where the channel changes (CellProfiler's regularization factor).
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
    min_area_um2: float = 10.0
    cytoplasm: str = "ring"
    ring_contact_px: int = 0
    ring_poi_threshold: str | float = "none"
    cell_channel: str = "poi"
    cell_smooth_sigma_px: float = 1.0
    cell_threshold: str | float = "otsu"
    cell_max_distance_px: float = 50.0
    cell_regularization: float = 0.05

    def min_cell_area_px(self, pixel_size_um: float | None) -> int:
        """Fewest pixels of a nucleus counted as a cell: ``min_area_um2`` in pixels of
        ``pixel_size_um`` µm (rounded up), or 0 (every object) when the pixel size is unknown."""
        if not pixel_size_um:
            return 0
        return math.ceil(self.min_area_um2 / pixel_size_um**2 - 1e-9)

    def __post_init__(self) -> None:
        if not 0 <= self.ring_inner_px < self.ring_outer_px:
            raise ValueError(
                f"masks: need 0 <= ring_inner_px < ring_outer_px, got {self.ring_inner_px} and {self.ring_outer_px}."
            )
        if self.max_area_px is not None and self.max_area_px < self.min_area_px:
            raise ValueError(f"masks: max_area_px ({self.max_area_px}) must be >= min_area_px ({self.min_area_px}).")


@dataclass(frozen=True)
class TrackParams:
    """Tracking (``config.yaml`` ``tracking:``).

    Attributes
    ----------
    method : str
        ``"overlap"`` (IoU), ``"centroid"`` (distance) or ``"none"`` (per-frame labels).
    max_displacement_px : float
        Largest centroid displacement between consecutive frames that may link (px).
    max_gap_frames : int
        A track missing for up to this many frames may be continued; 0 = no bridging.
    divisions : bool
        Detect divisions: a track whose nucleus gives way to two nuclei near it, each with
        ``division_min_area_ratio`` to ``division_max_area_ratio`` of its area, ends there and
        the two daughters start new tracks with it as their parent.
    division_min_area_ratio, division_max_area_ratio : float
        Range of a daughter's nucleus area as a fraction of the mother's last nucleus area.
    """

    method: str = "overlap"
    max_displacement_px: float = 15.0
    max_gap_frames: int = 1
    divisions: bool = True
    division_min_area_ratio: float = 0.25
    division_max_area_ratio: float = 0.8

    def __post_init__(self) -> None:
        if not self.division_min_area_ratio < self.division_max_area_ratio:
            raise ValueError(
                f"tracking: need division_min_area_ratio < division_max_area_ratio, got "
                f"{self.division_min_area_ratio} and {self.division_max_area_ratio}."
            )


@dataclass(frozen=True)
class BackgroundParams:
    """Background subtraction (``config.yaml`` ``background:``).

    Attributes
    ----------
    method : str
        ``"none"`` (classic: raw values), ``"median_outside"`` (per frame and channel, the
        median of the pixels farther than ``dilate_px`` from every cell's nucleus and ring) or
        ``"fixed"`` (the values in ``fixed``).
    dilate_px : float
        Margin around the cells excluded from the background pixels (px).
    fixed : mapping of str to float
        Background per channel of :data:`nucleocyto.CHANNELS` (counts), used by ``"fixed"``.
    """

    method: str = "none"
    dilate_px: float = 10.0
    fixed: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))


@dataclass(frozen=True)
class CorrelationParams:
    """Correlation measures (``config.yaml`` ``correlation:``).

    Attributes
    ----------
    costes_shuffles : int
        Block shuffles of Costes' randomisation test per frame and scope; 0 turns it off.
    psf_fwhm_px : int
        Side of the square blocks the Costes test shuffles (px), about the PSF's FWHM.
    seed : int
        Frame t shuffles with the generator seeded by ``(seed, t)``.
    detrend : str
        Trend removed from each POI trace over time: ``"exponential"`` (bleaching),
        ``"linear"`` or ``"difference"``.
    max_lag_frames : int
        The cross-correlation of the detrended traces searches lags ``-max..+max`` (frames).
    convention : str
        Definitions of the pixel-wise measures: ``"coloc2"`` (Fiji's Coloc 2) or
        ``"cellprofiler"`` (CellProfiler's MeasureColocalization), see docs/method.md.
    cellprofiler_threshold_percent : float
        With ``"cellprofiler"``: Manders' coefficients without Costes' thresholds, the
        rank-weighted colocalisation and the overlap coefficient use only pixels at or above this
        percentage of each channel's maximum (CellProfiler's "threshold as percentage of maximum
        intensity").
    """

    costes_shuffles: int = 0
    psf_fwhm_px: int = 3
    seed: int = 0
    detrend: str = "exponential"
    max_lag_frames: int = 5
    convention: str = "coloc2"
    cellprofiler_threshold_percent: float = 15.0


@dataclass(frozen=True)
class FigureParams:
    """Figures (``config.yaml`` ``figures:``).

    Attributes
    ----------
    montage_frames : int or list of int
        Mask overlay montage: a count of evenly spaced frames, or the 0-based frames.
    montage_columns : int
        Montage panels per row.
    max_cells : int
        Per-cell small multiples show at most this many cells (those present in the most frames).
    min_track_frames : int
        Per-cell figures and summaries use only tracks present in at least this many frames (or
        in every frame of a shorter movie) whose nuclei are counted as cells
        (``masks.min_area_um2``).
    crop_px : int
        Side of the zoomed crop of the overlay (px of the image); the whole field when it is
        no larger.
    crop : str or list of int
        ``"auto"`` (the crop holding the most cells) or the [row, column] of its top left corner.
    dpi : int
        PNG resolution (dots per inch).
    """

    montage_frames: int | list[int] = 4
    montage_columns: int = 4
    max_cells: int = 50
    min_track_frames: int = 5
    crop_px: int = 128
    crop: str | list[int] = "auto"
    dpi: int = 150


@dataclass(frozen=True)
class QCParams:
    """Quality control (``config.yaml`` ``qc:``): when a sample gets a warning in the log and the
    report. None of these changes a measured number.

    Attributes
    ----------
    max_nucleus_coverage : float
        Warn when the nuclei cover more than this fraction of a frame (a nuclear marker whose
        objects fill the frame is likely a cytoplasmic channel).
    max_objects_per_megapixel : float
        Warn when a frame holds more nucleus objects than this per million pixels.
    max_saturated_fraction : float
        Warn when more than this fraction of a channel's pixels sit at the frame's maximum.
    max_count_change : float
        Warn when the number of nuclei counted as cells changes by more than this fraction (and
        by 3 or more) from one frame to the next.
    """

    max_nucleus_coverage: float = 0.5
    max_objects_per_megapixel: float = 4000.0
    max_saturated_fraction: float = 0.01
    max_count_change: float = 0.3


#: What the response metrics follow, by name: the column of the cells table (``cells.parquet``).
RESPONSES = {"nc_ratio": "nc_ratio", "cn_ratio": "cn_ratio", "nucleus_mean": "poi_nucleus_mean"}

#: Per-cell metrics of the kinetics table that the comparisons, SuperPlots and dose-response fits
#: may use (documented in docs/outputs.md).
METRICS = (
    "amplitude",
    "fold_change",
    "t_half_s",
    "time_to_peak_s",
    "auc_s",
    "n_pulses",
    "pulse_period_s",
    "temporal_r_detrended",
)


@dataclass(frozen=True)
class KineticsParams:
    """Per-cell response kinetics (``config.yaml`` ``kinetics:``).

    Attributes
    ----------
    response : str
        The trace the metrics follow, a key of :data:`RESPONSES`: ``"nc_ratio"`` (nuclear /
        cytoplasmic POI mean), ``"cn_ratio"`` (its inverse) or ``"nucleus_mean"`` (counts).
    stimulus_s, stimulus_frame : float, int or None
        Stimulation time of the samples whose sheet row gives none: seconds after the first
        frame, or a 0-based frame; at most one of them; None = no stimulation time.
    baseline_frames : int
        Without a stimulation time, the baseline is the mean of this many first frames.
    amplitude : str
        The extreme the amplitude measures: ``"plateau"`` (mean of the last ``plateau_frames``
        frames) or ``"peak"`` (the value farthest from the baseline), after the baseline.
    plateau_frames : int
        Frames averaged for the plateau.
    min_frames : int
        Cells with a response in fewer frames get NaN metrics and the reason ``too short``.
    min_change : float
        A response whose |amplitude| is below this fraction of |baseline| has no half-time
        (reason ``no response``).
    pulse_prominence : float
        A pulse is a local maximum of the baseline-normalised response at least this prominent.
    fit : str
        Model fitted beside the model-free numbers: ``"sigmoid"``, ``"exponential"`` or
        ``"none"``.
    confidence : float
        Level of the fitted half-time's confidence interval.
    """

    response: str = "nc_ratio"
    stimulus_s: float | None = None
    stimulus_frame: int | None = None
    baseline_frames: int = 3
    amplitude: str = "plateau"
    plateau_frames: int = 3
    min_frames: int = 5
    min_change: float = 0.1
    pulse_prominence: float = 0.1
    fit: str = "sigmoid"
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.stimulus_s is not None and self.stimulus_frame is not None:
            raise ValueError("kinetics: give stimulus_s or stimulus_frame, not both.")


@dataclass(frozen=True)
class ComparisonParams:
    """Condition comparisons on replicate means (``config.yaml`` ``comparisons:``).

    Attributes
    ----------
    control : str
        The condition every other condition is compared with.
    metrics : list of str
        Metrics of :data:`METRICS` compared (and drawn as SuperPlots).
    test : str
        ``"welch"`` (Welch's t-test) or ``"mann_whitney"`` (Mann-Whitney U), on replicate means.
    bootstrap : int
        Bootstrap resamples of the replicate means for the confidence interval of the difference.
    confidence : float
        Level of that interval.
    seed : int
        Seed of the bootstrap.
    """

    control: str = "control"
    metrics: list[str] = field(default_factory=lambda: ["amplitude", "t_half_s", "auc_s"])
    test: str = "welch"
    bootstrap: int = 2000
    confidence: float = 0.95
    seed: int = 0


@dataclass(frozen=True)
class DoseResponseParams:
    """Dose-response fits and the Z'-factor (``config.yaml`` ``dose_response:``).

    Attributes
    ----------
    metric : str
        The metric of :data:`METRICS` fitted against the sheet's ``dose`` (one value per sample:
        the mean over its cells).
    positive_control, negative_control : str or None
        Conditions of the Z'-factor's controls; None = no Z'-factor.
    confidence : float
        Level of the EC50's confidence interval.
    """

    metric: str = "amplitude"
    positive_control: str | None = None
    negative_control: str | None = None
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if (self.positive_control is None) != (self.negative_control is None):
            raise ValueError("dose_response: name both positive_control and negative_control, or neither.")
        if self.positive_control is not None and self.positive_control == self.negative_control:
            raise ValueError(
                f"dose_response: positive_control and negative_control are both {self.positive_control!r}."
            )


@dataclass(frozen=True)
class ExportParams:
    """Extra copies of the tables (``config.yaml`` ``export:``).

    Attributes
    ----------
    csv : bool
        Also write every Parquet table as a CSV file beside it, with the same columns.
    """

    csv: bool = False


#: The dataclass of each configuration section.
SECTIONS = {
    "masks": MaskParams,
    "tracking": TrackParams,
    "background": BackgroundParams,
    "correlation": CorrelationParams,
    "figures": FigureParams,
    "qc": QCParams,
    "kinetics": KineticsParams,
    "comparisons": ComparisonParams,
    "dose_response": DoseResponseParams,
    "export": ExportParams,
}


def check_config(config: Mapping) -> None:
    """Check what the schema cannot: every number is finite (YAML's ``.nan`` and ``.inf`` are
    numbers to JSON schema), and each section's dataclass accepts its fields together. Raises
    ValueError naming the setting and the rule, e.g. ``masks.threshold: nan is not a finite number.``"""
    for name, params in SECTIONS.items():
        for key, value in _numbers(config[name], name):
            if not math.isfinite(value):
                raise ValueError(f"{key}: {value} is not a finite number.")
        params(**config[name])


def _numbers(value: object, key: str) -> list[tuple[str, float]]:
    """(dotted key, value) of every float in a nested configuration section."""
    if isinstance(value, Mapping):
        return [pair for name, item in value.items() for pair in _numbers(item, f"{key}.{name}")]
    if isinstance(value, list):
        return [pair for i, item in enumerate(value) for pair in _numbers(item, f"{key}[{i}]")]
    return [(key, value)] if isinstance(value, float) else []


# ---------------------------------------------------------------------------------------------
# The sample sheet

#: Sample ids: letters, digits, ``_``, ``-`` and dots, starting with a letter or digit; the
#: workflow's wildcard constraint. :data:`SAMPLE_ID` also forbids ``..``.
SAMPLE_ID_CHARS = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
SAMPLE_ID = re.compile(rf"(?!.*\.\.){SAMPLE_ID_CHARS}")

#: The longest sample id: it names folders and files (``logs/ingest/<id>.sources.json``) whose
#: names must stay within file systems' 255 bytes.
MAX_SAMPLE_ID = 100

#: Outputs of the whole run at the top of ``results/``, so no sample id: the ``figures`` folder
#: and the tables and pages, whose names end with these suffixes (``summary.parquet``,
#: ``kinetics.csv``, ``report.html``, ...; new ones keep these suffixes).
RESERVED_IDS = ("figures",)
RESERVED_ID_SUFFIXES = (".parquet", ".csv", ".html")

#: Sheet columns that name the channel files: one file per channel, or one multi-channel file.
SEPARATE_FILES = ("poi", "nucleus")
COMBINED_FILE = ("image", "poi_channel", "nucleus_channel")

#: Column separator by sheet suffix; any other suffix is tab-separated.
SEPARATORS = {".csv": ","}

#: pandas dtype of a column by its JSON-schema type; other columns stay text.
_DTYPES = {"integer": "Int64", "number": "float64"}

#: Optional columns of images the masks step reads besides the movie: a third channel to grow
#: whole cells on (``cell``, or ``cell_channel`` of ``image``) and label images made elsewhere
#: (a TIFF stack, or a folder or pattern such as ``masks/nuclei_*.tif`` naming one TIFF per frame).
LABEL_COLUMNS = ("nucleus_labels", "cell_labels")


@dataclass(frozen=True)
class ChannelSource:
    """Where one channel of a sample comes from.

    Attributes
    ----------
    path : Path
        As written in the sample sheet: an image file (TIFF, or a vendor format), a folder or a
        glob pattern.
    channel_index : int or None
        Index along the file's channel axis for a multi-channel file; None for a one-channel file.
    series : int or None
        0-based series (position) of a multi-series file; None for a file of one series.
    files : tuple of Path or None
        For a folder or a pattern, the files of the per-timepoint series in natural order (one
        time point each); None when ``path`` is one image.
    """

    path: Path
    channel_index: int | None = None
    series: int | None = None
    files: tuple[Path, ...] | None = None

    @property
    def inputs(self) -> tuple[Path, ...]:
        """Every file the channel is read from."""
        return self.files if self.files is not None else (self.path,)


def sample_columns(schema: Mapping) -> dict[str, str]:
    """{column: JSON-schema type} of every column the samples schema
    (``workflow/schemas/samples.schema.yaml``, parsed) knows; the single list of sheet columns."""
    return {name: spec.get("type", "string") for name, spec in schema["properties"].items()}


def load_sample_sheet(path: str | Path, schema: Mapping) -> pd.DataFrame:
    """Read a sample sheet and check it row by row.

    The sheet is tab-separated (comma-separated when named ``.csv``), one header line, then one
    row per sample; blank lines and lines starting with ``#`` are skipped. Cells are text as
    written (``NA``, ``None`` and ``null`` stay text; ``#`` inside a cell is part of it). Its
    columns are those of ``schema`` (the parsed samples schema): ``sample`` (id), then either
    ``poi`` and ``nucleus`` (one image per channel) or ``image``, ``poi_channel`` and
    ``nucleus_channel`` (one multi-channel image, 0-based channel indices); each image a file, a
    folder or a glob pattern (a per-timepoint series); optional ``series`` (0-based position of
    a multi-series file), ``condition``, ``frame_interval_s`` (s), ``pixel_size_um`` (µm), ...

    Returns
    -------
    DataFrame
        Indexed by sample id; ``integer`` columns as pandas ``Int64``, ``number`` columns as
        float64 (NaN where not given), text columns as str or None where empty.

    Raises
    ------
    InputError
        One sentence naming the sheet, the sample and the problem: an unreadable or
        comma-separated sheet, an unknown or duplicate column, an unsafe or duplicate id, a
        bad number, or an image that is not an existing file, a folder of TIFFs or a pattern
        matching files (paths are relative to the working directory).
    """
    import pandas as pd

    path = Path(path)
    columns = sample_columns(schema)
    header, rows = _read_table(path)
    _check_header(header, columns, path)
    sheet = pd.DataFrame(rows, columns=header, dtype=object).replace("", None)
    if "sample" not in sheet.columns:
        raise InputError(f"sample sheet {path}: missing the 'sample' column.")
    if sheet.empty:
        raise InputError(f"sample sheet {path}: no samples listed.")
    for column in sheet.columns:
        if columns[column] in _DTYPES:
            zero = schema["properties"][column].get("minimum") == 0  # else positive
            sheet[column] = _numeric(sheet, column, path, integer=columns[column] == "integer", zero=zero)
    for row in sheet.to_dict("records"):
        _check_row(row, path)
    duplicated = sheet["sample"][sheet["sample"].duplicated()].unique()
    if len(duplicated):
        raise InputError(f"sample sheet {path}: sample id {duplicated[0]!r} appears more than once.")
    _check_dose_units(sheet, path)
    return sheet.set_index("sample", drop=False)


def _check_dose_units(sheet: pd.DataFrame, path: Path) -> None:
    """The samples of one condition give their doses in one unit (``dose_unit``)."""
    import pandas as pd

    if "dose" not in sheet.columns:
        return
    dosed = sheet[sheet["dose"].notna()]
    units = dosed.get("dose_unit", pd.Series("", index=dosed.index)).fillna("")
    conditions = dosed.get("condition", pd.Series("", index=dosed.index)).fillna("")
    for condition, unit in units.groupby(conditions, sort=False):
        if unit.nunique() > 1:
            names = ", ".join(repr(u) for u in unit.unique())
            raise InputError(
                f"sample sheet {path}, condition {condition!r}: doses are given in more than one unit ({names})."
            )


def channel_sources(row: Mapping) -> dict[str, ChannelSource]:
    """``{"poi": ChannelSource, "marker": ChannelSource}`` of one sample-sheet row, with the
    files of per-timepoint series listed (globbed now)."""
    series = int(row["series"]) if _has(row, "series") else None

    def source(column: str, channel_index: int | None = None) -> ChannelSource:
        files = series_files(row[column])
        return ChannelSource(Path(row[column]), channel_index, series, None if files is None else tuple(files))

    if _has(row, "image"):
        return {"poi": source("image", int(row["poi_channel"])), "marker": source("image", int(row["nucleus_channel"]))}
    return {"poi": source("poi"), "marker": source("nucleus")}


def _read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the sheet's cells, stripped; rows padded to the header's length."""
    if not path.is_file():
        raise InputError(f"sample sheet {path}: file not found.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"sample sheet {path}: not a readable text file ({exc.reason}).") from None
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise InputError(f"sample sheet {path}: the file is empty (no header line).")
    separator = SEPARATORS.get(path.suffix.lower(), "\t")
    if separator == "\t" and "\t" not in lines[0] and "," in lines[0]:
        raise InputError(
            f"sample sheet {path}: the columns are separated by commas, not tabs; save it "
            "tab-separated, or name it .csv to have it read as comma-separated."
        )
    header, *rows = ([cell.strip() for cell in cells] for cells in csv.reader(lines, delimiter=separator))
    for number, row in enumerate(rows, 2):
        if len(row) > len(header):
            raise InputError(
                f"sample sheet {path}: data line {number} has {len(row)} cells but the header has {len(header)}."
            )
        row.extend([""] * (len(header) - len(row)))
    return header, rows


def _check_header(header: list[str], columns: Mapping[str, str], path: Path) -> None:
    """Every column name known to the schema, and given once."""
    for name in header:
        if name not in columns:
            close = difflib.get_close_matches(name, list(columns), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(
                f"sample sheet {path}: unknown column {name!r}{hint}; the known columns are {', '.join(columns)}."
            )
        if header.count(name) > 1:
            raise InputError(f"sample sheet {path}: column {name!r} appears more than once.")


def cell_source(row: Mapping) -> ChannelSource | None:
    """The third channel of one sample-sheet row (``cell``, or ``cell_channel`` of ``cell`` or
    ``image``; a file, a folder or a pattern like the channels, in the row's ``series``), or None
    when the row names none."""
    index = int(row["cell_channel"]) if _has(row, "cell_channel") else None
    if not _has(row, "cell") and index is None:
        return None
    text = str(row["cell"] if _has(row, "cell") else row["image"])
    files = series_files(text)
    series = int(row["series"]) if _has(row, "series") else None
    return ChannelSource(Path(text), index, series, None if files is None else tuple(files))


def label_files(row: Mapping, column: str) -> list[Path] | None:
    """The label TIFF(s) named in ``column`` (one of :data:`LABEL_COLUMNS`) of a sample-sheet row:
    one file (a stack, one plane per frame), or the files of a folder or glob pattern (one per
    frame) in natural order (``t2`` before ``t10``); None when the column is empty."""
    if not _has(row, column):
        return None
    files = series_files(str(row[column]))
    return [Path(row[column])] if files is None else files


def _check_row(row: dict, path: Path) -> None:
    sample = row["sample"]
    if not _has(row, "sample"):
        raise InputError(f"sample sheet {path}: a row has no sample id.")
    if not SAMPLE_ID.fullmatch(sample):
        raise InputError(
            f"sample sheet {path}: sample id {sample!r} is not allowed; use letters, digits, "
            "'_', '-' and '.' only (no spaces, path separators or '..')."
        )
    if len(sample) > MAX_SAMPLE_ID:
        raise InputError(
            f"sample sheet {path}: sample id {sample!r} is {len(sample)} characters long; use at most {MAX_SAMPLE_ID}."
        )
    if sample in RESERVED_IDS or sample.lower().endswith(RESERVED_ID_SUFFIXES):
        raise InputError(
            f"sample sheet {path}: sample id {sample!r} could be the name of an output of the whole run in "
            f"results/; choose another id (not {', '.join(RESERVED_IDS)}, nor one ending "
            f"{', '.join(RESERVED_ID_SUFFIXES)})."
        )
    separate = all(_has(row, c) for c in SEPARATE_FILES)
    combined = all(_has(row, c) for c in COMBINED_FILE)
    if separate == combined:
        raise InputError(
            f"sample sheet {path}, sample {sample!r}: give either 'poi' and 'nucleus' files or "
            "'image' with 'poi_channel' and 'nucleus_channel', not both or neither."
        )
    if combined and row["poi_channel"] == row["nucleus_channel"]:
        raise InputError(f"sample sheet {path}, sample {sample!r}: poi_channel and nucleus_channel are the same.")
    if _has(row, "stimulus_s") and _has(row, "stimulus_frame"):
        raise InputError(f"sample sheet {path}, sample {sample!r}: give stimulus_s or stimulus_frame, not both.")
    for column in SEPARATE_FILES if separate else ("image",):
        _check_image(row[column], column, f"sample sheet {path}, sample {sample!r}")
    _check_mask_sources(row, path)


def _check_image(text: str, column: str, where: str) -> None:
    """``text`` names an existing file (or OME-Zarr folder), or a folder or pattern whose files
    form one series (their names differ only in the time number)."""
    files = series_files(text)
    pattern = is_pattern(text)
    kind = "pattern" if pattern else "folder"
    if files is None:
        if not Path(text).exists():
            raise InputError(f"{where}: {column} file {text} not found.")
    elif not files:
        found = "matches no file" if pattern else f"holds no TIFF file ({', '.join(SERIES_SUFFIXES)})"
        raise InputError(f"{where}: {column} {kind} {text} {found}.")
    else:
        stems = list(dict.fromkeys(series_stem(file) for file in files))
        if len(stems) > 1:
            example = (Path(text).parent if pattern else Path(text)) / stems[0].replace("#", "*")
            raise InputError(
                f"{where}: {column} {kind} {text} {'matches' if pattern else 'holds'} {len(stems)} series "
                f"({', '.join(stems[:4])}{', ...' if len(stems) > 4 else ''}); name one with a pattern "
                f"such as {example}."
            )


def _check_mask_sources(row: dict, path: Path) -> None:
    """The optional cell channel and label images of a row name existing files."""
    where = f"sample sheet {path}, sample {row['sample']!r}"
    if _has(row, "cell_channel") and not (_has(row, "cell") or _has(row, "image")):
        raise InputError(f"{where}: cell_channel needs the 'image' (or 'cell') file it indexes.")
    if _has(row, "cell"):
        _check_image(row["cell"], "cell", where)
    for column in LABEL_COLUMNS:
        files = label_files(row, column)
        if files is not None and not (files and all(f.is_file() for f in files)):
            problem = "matches no file" if is_pattern(str(row[column])) else "not found"
            raise InputError(f"{where}: {column} {row[column]} {problem}.")


#: What a path that is no file or folder is, by its ``stat`` mode test.
SPECIAL_FILES = {
    stat.S_ISFIFO: "a FIFO (named pipe)",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
}


def unreadable(path: Path) -> str | None:
    """Why the image file (or OME-Zarr folder) ``path`` cannot be read, as the end of a sentence
    (``"file not found"``, ``"a FIFO (named pipe), not an image file"``, ``"the file cannot be read
    (Permission denied)"``), or None if it can. Never reads from a FIFO or device."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as error:
        return f"the file cannot be read ({error.strerror})"
    kind = next((name for test, name in SPECIAL_FILES.items() if test(mode)), None)
    if kind is not None:
        return f"{kind}, not an image file"
    if not os.access(path, os.R_OK | (os.X_OK if stat.S_ISDIR(mode) else 0)):
        return "the file cannot be read (Permission denied)"
    try:
        if not stat.S_ISDIR(mode):
            with open(path, "rb"):
                pass
    except OSError as error:
        return f"the file cannot be read ({error.strerror})"
    return None


def sample_files(row: Mapping, channels: Mapping[str, ChannelSource]) -> dict[str, tuple[Path, ...]]:
    """Every image file one sample-sheet row names, by what it is, in the words of the steps'
    messages: ``poi channel`` and ``marker channel`` (``channels``, the row's
    :func:`channel_sources`, read by ingest), and when given ``cell channel``
    (:func:`cell_source`) and the label columns (:data:`LABEL_COLUMNS`, :func:`label_files`),
    read by masks."""
    files = {f"{name} channel": source.inputs for name, source in channels.items()}
    if (cell := cell_source(row)) is not None:
        files["cell channel"] = cell.inputs
    for column in LABEL_COLUMNS:
        if labels := label_files(row, column):
            files[column] = tuple(labels)
    return files


def unreadable_sources(files: Mapping[str, Mapping[str, tuple[Path, ...]]]) -> dict[str, dict[Path, str]]:
    """{sample: {path: one sentence}} of every file of ``files`` ({sample: :func:`sample_files`})
    that cannot be read, in the words the sample's job that reads it fails with:
    ``"sample '<sample>', poi channel, <path>: a FIFO (named pipe), not an image file."``."""
    problems: dict[str, dict[Path, str]] = {}
    for sample, named in files.items():
        for what, paths in named.items():
            for path in paths:
                if path not in problems.get(sample, {}) and (why := unreadable(path)) is not None:
                    problems.setdefault(sample, {})[path] = f"sample {sample!r}, {what}, {path}: {why}."
    return problems


def _numeric(sheet: pd.DataFrame, column: str, path: Path, integer: bool, zero: bool = False) -> pd.Series:
    """The column as numbers: non-negative integers, or positive numbers (non-negative with ``zero``)."""
    import pandas as pd

    values = pd.to_numeric(sheet[column], errors="coerce")
    out_of_range = (values < 0) if integer or zero else (values <= 0)
    bad = sheet[column].notna() & (values.isna() | out_of_range | (values == float("inf")))
    if integer:
        bad |= values.notna() & (values % 1 != 0)
    if bad.any():
        i = bad.idxmax()
        kind = "a non-negative integer" if integer else "a non-negative number" if zero else "a positive number"
        raise InputError(
            f"sample sheet {path}, sample {sheet['sample'][i]!r}: {column} {sheet[column][i]!r} is not {kind}."
        )
    return values.astype("Int64") if integer else values.astype(float)


def _has(row: Mapping, column: str) -> bool:
    import pandas as pd

    value = row.get(column)
    return value is not None and not pd.isna(value) and value != ""
