"""The sample sheet: one row per movie, read and checked before any job runs."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .errors import InputError
from .ingest import ChannelSource

#: Sample ids: letters, digits, ``_``, ``-`` and single dots; no path separators or spaces.
SAMPLE_ID = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]*$")
_INTEGER_COLUMNS = ("poi_channel", "nucleus_channel")
_FLOAT_COLUMNS = ("frame_interval_s", "pixel_size_um")
_SEPARATE = ("poi", "nucleus")
_COMBINED = ("image", "poi_channel", "nucleus_channel")


def load_sample_sheet(path: str | Path) -> pd.DataFrame:
    """Read a tab-separated sample sheet and check it row by row.

    Columns: ``sample`` (id), then either ``poi`` and ``nucleus`` (one TIFF per channel) or
    ``image``, ``poi_channel`` and ``nucleus_channel`` (one multi-channel TIFF, 0-based channel
    indices); optional ``condition``, ``frame_interval_s`` (s) and ``pixel_size_um`` (µm).

    Returns
    -------
    DataFrame
        Indexed by sample id; integer columns as pandas ``Int64``, calibration as float64 with
        NaN where not given.

    Raises
    ------
    InputError
        One sentence naming the sheet, the sample and the problem: a missing column, an unsafe
        or duplicate id, a bad number, or a TIFF path that is not an existing file (paths are
        relative to the working directory).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"sample sheet {path}: file not found.")
    try:
        sheet = pd.read_csv(path, sep="\t", dtype=str, comment="#", skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"sample sheet {path}: not a readable tab-separated table ({exc}).") from None
    sheet.columns = [c.strip() for c in sheet.columns]
    if "sample" not in sheet.columns:
        raise InputError(f"sample sheet {path}: missing the 'sample' column.")
    if sheet.empty:
        raise InputError(f"sample sheet {path}: no samples listed.")
    sheet = sheet.apply(lambda column: column.str.strip())
    for column in _INTEGER_COLUMNS + _FLOAT_COLUMNS:
        if column in sheet.columns:
            sheet[column] = _numeric(sheet, column, path, integer=column in _INTEGER_COLUMNS)
    for row in sheet.itertuples(index=False):
        _check_row(row._asdict(), path)
    duplicated = sheet["sample"][sheet["sample"].duplicated()].unique()
    if len(duplicated):
        raise InputError(f"sample sheet {path}: sample id {duplicated[0]!r} appears more than once.")
    return sheet.set_index("sample", drop=False)


def channel_sources(row: pd.Series) -> dict[str, ChannelSource]:
    """``{"poi": ChannelSource, "nucleus": ChannelSource}`` of one sample-sheet row."""
    if _has(row, "image"):
        image = Path(row["image"])
        return {
            "poi": ChannelSource(image, int(row["poi_channel"])),
            "nucleus": ChannelSource(image, int(row["nucleus_channel"])),
        }
    return {"poi": ChannelSource(Path(row["poi"])), "nucleus": ChannelSource(Path(row["nucleus"]))}


def _check_row(row: dict, path: Path) -> None:
    sample = row["sample"]
    if not _has(row, "sample"):
        raise InputError(f"sample sheet {path}: a row has no sample id.")
    if not SAMPLE_ID.match(sample):
        raise InputError(
            f"sample sheet {path}: sample id {sample!r} is not allowed; use letters, digits, "
            "'_', '-' and '.' only (no spaces, path separators or '..')."
        )
    separate = all(_has(row, c) for c in _SEPARATE)
    combined = all(_has(row, c) for c in _COMBINED)
    if separate == combined:
        raise InputError(
            f"sample sheet {path}, sample {sample!r}: give either 'poi' and 'nucleus' files or "
            "'image' with 'poi_channel' and 'nucleus_channel', not both or neither."
        )
    if combined and row["poi_channel"] == row["nucleus_channel"]:
        raise InputError(f"sample sheet {path}, sample {sample!r}: poi_channel and nucleus_channel are the same.")
    for column in _SEPARATE if separate else ("image",):
        if not Path(row[column]).is_file():
            raise InputError(f"sample sheet {path}, sample {sample!r}: {column} file {row[column]} not found.")


def _numeric(sheet: pd.DataFrame, column: str, path: Path, integer: bool) -> pd.Series:
    values = pd.to_numeric(sheet[column], errors="coerce")
    out_of_range = (values < 0) if integer else (values <= 0)
    bad = sheet[column].notna() & (values.isna() | out_of_range | (values == float("inf")))
    if integer:
        bad |= values.notna() & (values % 1 != 0)
    if bad.any():
        i = bad.idxmax()
        kind = "a non-negative integer" if integer else "a positive number"
        raise InputError(
            f"sample sheet {path}, sample {sheet['sample'][i]!r}: {column} {sheet[column][i]!r} is not {kind}."
        )
    return values.astype("Int64") if integer else values.astype(float)


def _has(row, column: str) -> bool:
    value = row.get(column) if hasattr(row, "get") else None
    return value is not None and not pd.isna(value) and value != ""
