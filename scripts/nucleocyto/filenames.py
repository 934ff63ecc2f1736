"""File names of per-timepoint series: natural order, the number that counts time points, and
the expansion of a sample sheet's folder or glob pattern into files.

Standard library only: the workflow expands every sample's series when it is parsed.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

#: Suffixes (lower case) of the files a folder series is made of.
SERIES_SUFFIXES = (".tif", ".tiff")

#: Characters that make a sample-sheet path a glob pattern (when no file has that exact name).
GLOB_CHARACTERS = frozenset("*?[")

_DIGITS = re.compile(r"(\d+)")
#: Channel tags in file names: a letter code and a number (``w1``, ``ch0``, ``C2``,
#: ``channel000``) after a separator, or a name before ``-Channel`` (``Green-Channel``).
CHANNEL_TAG = re.compile(r"(?:^|(?<=[_\-. ]))(?:(w|ch|c|channel)(\d+)|([A-Za-z0-9]+)-Channel)", re.IGNORECASE)
_TIME_TAG = re.compile(r"(?:^|(?<=[_\-. ]))(?:[tT]|time|TIME|Time)(\d+)(?=$|[_\-. ])")


def natural_key(path: str | Path) -> tuple:
    """Sort key of a file name in natural order: digit runs compare as numbers (t2 before t10),
    the rest case-insensitively."""
    parts = _DIGITS.split(Path(path).name)
    return tuple((0, int(part), part) if part.isdigit() else (1, part.lower(), part) for part in parts)


def naturally_sorted(paths: Iterable[str | Path]) -> list[Path]:
    """``paths`` as Paths, in natural order of their file names (then of their full paths)."""
    return sorted((Path(p) for p in paths), key=lambda p: (natural_key(p), str(p)))


def is_pattern(text: str) -> bool:
    """True when ``text`` holds glob characters and names no existing file or folder."""
    return bool(GLOB_CHARACTERS & set(text)) and not Path(text).exists()


def is_image_folder(path: Path) -> bool:
    """True for a folder that is one image (an OME-Zarr store), not a per-timepoint series."""
    return path.is_dir() and path.suffix.lower() == ".zarr"


def series_files(text: str) -> list[Path] | None:
    """The files of a per-timepoint series named by a sample sheet's value, in natural order.

    Returns
    -------
    list of Path or None
        For a glob pattern, the files it matches; for a folder, its TIFF files (not hidden,
        suffix in :data:`SERIES_SUFFIXES`); None when ``text`` names one file (or an OME-Zarr
        folder), which is not a series. An empty list when the pattern or folder matches no file.
    """
    path = Path(text)
    if is_pattern(text):
        return naturally_sorted(p for p in glob.glob(text, recursive=True) if Path(p).is_file())
    if path.is_dir() and not is_image_folder(path):
        return naturally_sorted(
            p
            for p in path.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SERIES_SUFFIXES
        )
    return None


def time_run(name: str) -> re.Match | None:
    """The digit run of a file name that counts time points: the last ``t<digits>`` or
    ``time<digits>`` tag after a separator (``cellA_t0001_ch1.tif``, Micro-Manager's
    ``..._time000000003_z000.tif``), else the last digit run outside a channel tag
    (``KTR_nucleus0001.tif``, not the 1 of ``cell_w1.tif``); None when there is none. Group 1 is
    the digits."""
    tags = list(_TIME_TAG.finditer(name))
    if tags:
        return tags[-1]
    channels = [match.span() for match in CHANNEL_TAG.finditer(name)]
    runs = [run for run in _DIGITS.finditer(name) if not any(a <= run.start() < b for a, b in channels)]
    return runs[-1] if runs else None


def series_stem(path: Path) -> str:
    """The file name of ``path`` with its time digits (:func:`time_run`) replaced by ``#``: the
    files of one series share it (``KTR_nucleus0001.tif`` -> ``KTR_nucleus#.tif``)."""
    match = time_run(path.name)
    return path.name if match is None else path.name[: match.start(1)] + "#" + path.name[match.end(1) :]


def time_number(path: Path) -> int | None:
    """The time point a series file's name states (:func:`time_run`), or None."""
    match = time_run(path.name)
    return None if match is None else int(match.group(1))


def first_gap(files: Sequence[Path]) -> tuple[Path, int] | None:
    """The first file of ``files`` (natural order, one series) whose time number is not one more
    than the previous file's, with the number that was expected; None when they count up by one
    (or the names carry no numbers)."""
    numbers = [time_number(path) for path in files]
    if None in numbers:
        return None
    for previous, (path, number) in zip(numbers, zip(files[1:], numbers[1:])):
        if number != previous + 1:
            return path, previous + 1
    return None
