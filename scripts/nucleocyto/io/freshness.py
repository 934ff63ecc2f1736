"""Whether a sample's source files still hold what ingest read: the content stamp among the
ingest rule's parameters (docs/errors.md, "A replaced source reruns its sample").

Ingest records each source file's size, modification time (ns) and SHA-256 in a record of its
own, ``logs/ingest/<sample>.sources.json`` (modification times differ between copies of a
project, so they stay out of the byte-identical ``results/``). At the start of every run,
:func:`content_stamp` compares the files' size and time with that record (one ``stat`` per file)
and hashes only a file whose size or time differ: a stamp that changes only when the content
does, so Snakemake's params trigger reruns a sample whose source was replaced even by an older
file (``cp -p``, ``rsync -t``, a restored backup). Standard library only: the workflow imports
it when it is parsed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from .atomic import atomic_path
from .checksum import sha256sum

log = logging.getLogger(__name__)


def file_state(path: str | Path) -> dict[str, int]:
    """``{"size": bytes, "mtime_ns": ns}`` of a file; for a folder (an OME-Zarr image) the total
    size of its files and the newest modification time among them and the folder."""
    path = Path(path)
    stat = path.stat()
    if not path.is_dir():
        return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    files = [p.stat() for p in path.rglob("*") if p.is_file()]
    return {
        "size": sum(f.st_size for f in files),
        "mtime_ns": max([stat.st_mtime_ns, *(f.st_mtime_ns for f in files)]),
    }


def write_record(files: dict[Path, dict], path: str | Path) -> None:
    """Write the record of a sample's source files, ``{path: {"size", "mtime_ns", "sha256"}}``
    (paths as the sample sheet gives them), as JSON, atomically."""
    record = {str(file): state for file, state in sorted(files.items())}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1) + "\n")


def read_record(path: str | Path) -> dict[str, dict]:
    """The record :func:`write_record` wrote, or ``{}`` if there is none (yet) or it is unreadable."""
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def content_stamp(sample: str, paths: Iterable[str], record_path: str | Path) -> str:
    """A hex digest of the state of ``paths`` (a sample's source files, sorted) that changes only
    when their content does.

    Each file contributes its recorded size and modification time when its current ones match
    the record at ``record_path`` or when its SHA-256 equals the recorded one (touched or copied
    but identical), and its current ones otherwise: changed content, or no record yet (the first
    run stamps the files as ingest is about to find them, and a lost record changes nothing
    while the files keep their size and time). A file whose content changed is logged (a
    warning naming the sample and the file).
    """
    recorded = read_record(record_path)
    states = []
    for path in paths:
        try:
            state = file_state(path)
        except OSError:  # a missing or unreadable file: the sheet check or ingest says so
            state = {"size": -1, "mtime_ns": -1}
        record = recorded.get(path)
        if record is not None and _same(record, state, path):
            state = {"size": record["size"], "mtime_ns": record["mtime_ns"]}
        elif record is not None:
            log.warning("sample %r: %s changed since it was ingested; the sample reruns from ingest.", sample, path)
        states.append(f"{state['size']} {state['mtime_ns']} {path}\n")
    return hashlib.sha256("".join(states).encode()).hexdigest()


def _same(record: dict, state: dict[str, int], path: str) -> bool:
    """Whether a file in ``state`` holds the recorded content: same size and time, or (when those
    differ but the size matches) the same SHA-256."""
    if record["size"] == state["size"] and record["mtime_ns"] == state["mtime_ns"]:
        return True
    return record["size"] == state["size"] and sha256sum(path) == record.get("sha256")
