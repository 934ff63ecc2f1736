"""Scan a folder of microscope exports and build sample-sheet rows (``scripts/make_sample_sheet.py``).

Layouts found:

- a movie file per channel, named with a channel tag (``_w1``/``_w2``, ``_ch0``/``_ch1``,
  ``_C1``/``_C2``, Micro-Manager ``channel000``, ``Green-Channel``) or any text the roles name;
- a per-timepoint series per channel (one-plane files differing only in their time number:
  ``_t0001``, ``t1``, ``time000000000``, a trailing number), written to the sheet as a glob
  pattern;
- one multi-channel file per movie, its channels picked by index (``ch0``) or by the channel
  names in its metadata (OME, Micro-Manager, vendor formats);
- multi-position files: one row per position, with ``series``.

Roles are never guessed: the nuclear marker and the POI are named (``--nucleus``, ``--poi``);
what matches neither is listed as left out, and anything that cannot be paired is a problem.
"""

from __future__ import annotations

import glob
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SAMPLE_ID
from ..errors import InputError
from ..filenames import (
    CHANNEL_TAG,
    SERIES_SUFFIXES,
    is_image_folder,
    natural_key,
    naturally_sorted,
    series_stem,
    time_run,
)
from .readers import list_series, read_info
from .vendor import VENDOR_FORMATS

#: Suffixes of the image files a scan considers (TIFFs and the vendor formats).
IMAGE_SUFFIXES = (*SERIES_SUFFIXES, *VENDOR_FORMATS)


@dataclass(frozen=True)
class Unit:
    """One source of frames found by a scan: a series of a movie file, or a per-timepoint series.

    Attributes
    ----------
    name : str
        File name, or the series' name with ``#`` for its time digits.
    value : str
        What the sample sheet says: the file's path or the series' glob pattern.
    folder : Path
        The folder it lies in.
    series : int or None
        Series of a multi-series file; None for a file of one series.
    n_frames, n_channels : int
    plane_shape : tuple of int
    channel_names : tuple of str
    files : int
        Files it is made of.
    """

    name: str
    value: str
    folder: Path
    series: int | None
    n_frames: int
    n_channels: int
    plane_shape: tuple[int, int]
    channel_names: tuple[str, ...] = ()
    files: int = 1

    def __str__(self) -> str:
        where = f" series {self.series}" if self.series is not None else ""
        names = f" ({', '.join(self.channel_names)})" if self.channel_names else ""
        return (
            f"{self.value}{where}: {self.files} file(s), {self.n_frames} frame(s) of {self.plane_shape} px, "
            f"{self.n_channels} channel(s){names}"
        )


@dataclass
class Scan:
    """What a scan found and made of it."""

    units: list[Unit] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    channel_tags: list[str] = field(default_factory=list)


def scan_folder(folder: Path) -> tuple[list[Unit], list[str]]:
    """Every movie and per-timepoint series under ``folder`` (recursively; hidden files and the
    inside of OME-Zarr folders skipped), in natural order.

    Returns
    -------
    units : list of Unit
    unusable : list of str
        The sentence of each file (or series of a file) that is not a time series the pipeline
        reads (damaged, a Z stack, RGB, ...): left out of the units.

    Raises
    ------
    InputError
        ``folder`` is not a folder.
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder.")
    singles: dict[tuple[Path, str], list] = defaultdict(list)
    units, unusable = [], []
    for path in _image_files(folder):
        infos = _readable_series(path, unusable)
        if len(infos) == 1 and infos[0].n_frames == 1 and path.suffix.lower() in SERIES_SUFFIXES:
            singles[path.parent, series_stem(path)].append((path, infos[0]))
            continue
        several = len(infos) > 1 or (infos and infos[0].series > 0)
        units.extend(_unit(path.name, str(path), info, info.series if several else None) for info in infos)
    for (parent, stem), members in singles.items():
        if len(members) == 1:
            path, info = members[0]
            units.append(_unit(path.name, str(path), info, None))
            continue
        try:
            units.append(_series_unit(parent, stem, members))
        except InputError as error:
            unusable.append(str(error))
    return sorted(units, key=lambda unit: (str(unit.folder), natural_key(unit.name))), unusable


def _readable_series(path: Path, unusable: list[str]) -> list:
    """ImageInfo of each series of ``path`` the pipeline can read; the others' sentences are
    appended to ``unusable``."""
    try:
        summaries = list_series(path)
    except InputError as error:
        unusable.append(str(error))
        return []
    infos = []
    for summary in summaries:
        try:
            infos.append(read_info(path, summary.index))
        except InputError as error:
            unusable.append(str(error))
    return infos


def make_rows(units: list[Unit], nucleus: list[str], poi: list[str]) -> Scan:
    """Sample-sheet rows from ``units``, with the roles named by ``nucleus`` and ``poi`` (channel
    tags, channel indices ``ch<i>``, or channel names; any of each list may match).

    A multi-channel unit gives an ``image`` row; one-channel units are paired by the name left
    when the role's tag is removed, giving ``poi`` and ``nucleus`` rows.
    """
    scan = Scan(units, channel_tags=sorted({tag for unit in units if (tag := channel_tag(unit.name))}))
    pairs: dict[tuple[Path, str, int | None], dict[str, Unit]] = defaultdict(dict)
    for unit in units:
        if unit.n_channels > 1:
            _image_row(unit, nucleus, poi, scan)
            continue
        role, key = _role(unit.name, nucleus, poi)
        if role is None:
            scan.left_out.append(f"{unit.value}: its name matches neither --nucleus nor --poi")
        elif role in (pair := pairs[unit.folder, key, unit.series]):
            scan.problems.append(f"{unit.value} and {pair[role].value} both look like the {role} of '{key}'")
        else:
            pair[role] = unit
    for (_, key, series), roles in pairs.items():
        if len(roles) < 2:
            (role, unit), missing = next(iter(roles.items())), ({"poi", "nucleus"} - set(roles)).pop()
            scan.problems.append(f"{unit.value} is the {role} of '{key}', but no file is its {missing}")
            continue
        row = {"sample": _sample_id(key, series), "poi": roles["poi"].value, "nucleus": roles["nucleus"].value}
        scan.rows.append(row | ({"series": series} if series is not None else {}))
    ids = [row["sample"] for row in scan.rows]
    scan.problems.extend(f"two movies give the sample id '{i}'" for i in sorted({i for i in ids if ids.count(i) > 1}))
    return scan


def channel_tag(name: str) -> str | None:
    """The channel tag of a file name (last one), normalised: ``w1``, ``ch0`` (``channel000``,
    ``ch00``), ``c2``, ``Green-Channel``; None when the name carries none."""
    tags = list(CHANNEL_TAG.finditer(name))
    if not tags:
        return None
    letters, number, named = tags[-1].groups()
    if named:
        return f"{named}-Channel"
    letters = "ch" if letters.lower() in ("ch", "channel") else letters.lower()
    return f"{letters}{int(number)}"


def _role(name: str, nucleus: list[str], poi: list[str]) -> tuple[str | None, str]:
    """(role, movie key) of a one-channel unit's name: the role whose value is the name's channel
    tag or occurs in the name; the key is the name without that tag (and without its suffix)."""
    tag = channel_tag(name)
    for role, values in (("nucleus", nucleus), ("poi", poi)):
        for value in values:
            if tag is not None and _same_tag(tag, value):
                match = list(CHANNEL_TAG.finditer(name))[-1]
                return role, _key(name[: match.start()] + name[match.end() :])
            position = name.lower().find(value.lower())
            if value and position >= 0:
                return role, _key(name[:position] + name[position + len(value) :])
    return None, _key(name)


def _same_tag(tag: str, value: str) -> bool:
    """Whether a user's role value names ``tag`` (``ch0`` names ``channel000``; case ignored)."""
    normalised = channel_tag(value)
    return tag.lower() == (normalised or value).lower()


def _image_row(unit: Unit, nucleus: list[str], poi: list[str], scan: Scan) -> None:
    """The ``image`` row of a multi-channel unit, or a problem when a role names none of its channels."""
    indices = {}
    for role, values in (("nucleus", nucleus), ("poi", poi)):
        found = [
            i for i in range(unit.n_channels) if any(_names_channel(value, i, unit.channel_names) for value in values)
        ]
        if len(found) != 1:
            names = f" named {', '.join(unit.channel_names)}" if unit.channel_names else ""
            given = " ".join(values)
            scan.problems.append(
                f"{unit.value}: --{role} {given} matches {len(found)} of its {unit.n_channels} channels{names}"
            )
            return
        indices[role] = found[0]
    row = {"sample": _sample_id(_key(unit.name), unit.series), "image": unit.value}
    row |= {"poi_channel": indices["poi"], "nucleus_channel": indices["nucleus"]}
    scan.rows.append(row | ({"series": unit.series} if unit.series is not None else {}))


def _names_channel(value: str, index: int, names: tuple[str, ...]) -> bool:
    """Whether a role value names channel ``index``: ``ch<index>`` (or ``c<index>``, ``<index>``)
    or its name in the file's metadata."""
    match = re.fullmatch(r"(?:ch|c|channel)?(\d+)", value, re.IGNORECASE)
    if match:
        return int(match.group(1)) == index
    return bool(names) and names[index].lower() == value.lower()


def _image_files(folder: Path) -> list[Path]:
    """Image files under ``folder`` (OME-Zarr folders count as files), not hidden, natural order."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative) or any(p.lower().endswith(".zarr") for p in relative[:-1]):
            continue
        zarr = is_image_folder(path)
        if zarr or (path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES):
            found.append(path)
    return naturally_sorted(found)


def _unit(name: str, value: str, info, series: int | None) -> Unit:
    return Unit(
        name, value, info.path.parent, series, info.n_frames, info.n_channels, info.plane_shape, info.channel_names
    )


def _series_unit(parent: Path, stem: str, members: list) -> Unit:
    """A per-timepoint series: the glob pattern that matches exactly its files."""
    files = [path for path, _ in members]
    first = members[0][1]
    match = time_run(files[0].name)
    before, after = files[0].name[: match.start(1)], files[0].name[match.end(1) :]
    pattern = None
    for digits in ("*", "[0-9]" * len(match.group(1))):
        candidate = str(Path(glob.escape(str(parent))) / (glob.escape(before) + digits + glob.escape(after)))
        if naturally_sorted(glob.glob(candidate)) == files:
            pattern = candidate
            break
    if pattern is None:
        raise InputError(f"{files[0]}: no glob pattern matches exactly the files of the series {stem}.")
    info = first
    return Unit(
        stem, pattern, parent, None, len(files), info.n_channels, info.plane_shape, info.channel_names, len(files)
    )


def _key(name: str) -> str:
    """A movie's key from a name without its channel tag: no suffix, time digits, or separators at the ends."""
    for suffix in sorted((*IMAGE_SUFFIXES, ".ome"), key=len, reverse=True):
        while name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    name = re.sub(r"[_\-. ]*(?:time|t)?#[_\-. ]*", "_", name, flags=re.IGNORECASE)
    return re.sub(r"_{2,}", "_", name).strip("_-. ") or "movie"


def _sample_id(key: str, series: int | None) -> str:
    """A safe sample id from a movie key (and its position)."""
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("_.-")
    text = re.sub(r"\.{2,}", ".", text) or "sample"
    text = text if SAMPLE_ID.fullmatch(text) else f"s{text}"
    return f"{text}_pos{series}" if series is not None else text
