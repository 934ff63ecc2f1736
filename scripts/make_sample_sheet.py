"""Write a sample sheet for a folder of microscope exports.

Usage: ``python scripts/make_sample_sheet.py FOLDER --nucleus TAG --poi TAG [-o samples.tsv]``
(or ``make samples DIR=FOLDER NUCLEUS=TAG POI=TAG``). TAG is a channel tag of the file names
(``w1``, ``ch0``, ``C2``, ``Green-Channel``, any text of the names such as ``nucleus``), a
channel index ``ch<i>`` of multi-channel files, or a channel name from their metadata; give
several to cover a folder that mixes layouts. The layouts are listed in docs/inputs.md.

It prints what it found (movies, per-timepoint series, positions, channels), the rows, and what
it left out (files matching neither role; files or series it cannot read, with the reason).
Without both roles, or when a file cannot be paired, it writes nothing and exits with status 2:
it never guesses which channel is which.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nucleocyto.errors import InputError  # noqa: E402
from nucleocyto.io.atomic import atomic_path  # noqa: E402
from nucleocyto.io.scan import make_rows, scan_folder  # noqa: E402

COLUMNS = ("sample", "poi", "nucleus", "image", "poi_channel", "nucleus_channel", "series")


def sheet_text(rows: list[dict]) -> str:
    """Tab-separated text of ``rows``, with the columns of :data:`COLUMNS` any row uses."""
    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    lines = ["\t".join(columns)] + ["\t".join(str(row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--nucleus", nargs="+", default=[], metavar="TAG", help="names the nuclear-marker channel")
    parser.add_argument("--poi", nargs="+", default=[], metavar="TAG", help="names the protein-of-interest channel")
    parser.add_argument("-o", "--output", type=Path, default=Path("samples.tsv"), help="sheet to write")
    args = parser.parse_args(argv)
    try:
        units, unusable = scan_folder(args.folder)
    except InputError as error:
        print(f"make_sample_sheet: {error}", file=sys.stderr)
        return 1
    print(f"Found in {args.folder}: {len(units)} movie(s) or series")
    for unit in units:
        print(f"  {unit}")
    for sentence in unusable:
        print(f"Left out, not a time series the pipeline reads: {sentence}")
    scan = make_rows(units, args.nucleus, args.poi)
    if scan.channel_tags:
        print(f"Channel tags in the names: {', '.join(scan.channel_tags)}")
    if not (args.nucleus and args.poi):
        print("make_sample_sheet: name both roles with --nucleus and --poi (tags or channels above)", file=sys.stderr)
        return 2
    for line in scan.left_out:
        print(f"Left out: {line}")
    if scan.problems or not scan.rows:
        for line in scan.problems or ["no sample found"]:
            print(f"make_sample_sheet: {line}", file=sys.stderr)
        return 2
    with atomic_path(args.output) as tmp:
        tmp.write_text(sheet_text(scan.rows))
    print(f"Wrote {len(scan.rows)} sample(s) to {args.output}:")
    print(sheet_text(scan.rows), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
