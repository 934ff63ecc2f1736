"""A sample's movie read straight from its source images, as ingest described them in
``metadata.json``: the steps after ingest read frames through :class:`Movie`, so no copy of the
movie is ever written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..config import ChannelSource
from ..errors import InputError
from .per_process import PerProcess
from .sources import FrameReader, SampleLayout, describe_sample
from .stacks import open_array, read_metadata


class Movie:
    """The canonical (T, C, Y, X) movie of a sample, one frame at a time; a context manager.

    ``movie[t]`` is frame ``t`` as a new (C, Y, X) array in :attr:`dtype` (channels in
    :data:`nucleocyto.CHANNELS` order), read from the sources (see
    :class:`nucleocyto.io.sources.FrameReader`); ``movie[t, c]`` and other indices after the frame
    index select from that frame. Only the frame asked for is read, so a step holds a few frames
    whatever the movie's length. Each process opens the sources for itself, so forked worker
    processes may share a movie (:class:`nucleocyto.io.per_process.PerProcess`).

    Attributes
    ----------
    shape : tuple of int
        (T, C, Y, X).
    dtype : numpy.dtype
        The common pixel type of the channels, native byte order.
    """

    ndim = 4

    def __init__(self, layout: SampleLayout):
        self._reader = PerProcess(lambda: FrameReader(layout))
        self.shape, self.dtype = layout.shape, layout.dtype

    def __enter__(self) -> Movie:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._reader.close()

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: int | tuple) -> np.ndarray:
        t, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if not isinstance(t, (int, np.integer)):
            raise TypeError(f"a movie is read one frame at a time: index {t!r} is not a frame number")
        t = range(self.shape[0])[t]
        frame = self._reader.get().read(t)
        return frame[rest] if rest else frame


def open_movie(metadata_path: str | Path) -> Movie:
    """The movie of the sample that ``metadata_path`` (ingest's ``metadata.json``) describes,
    read from the sources it lists.

    Raises
    ------
    InputError
        If a source cannot be read, or no longer holds the (T, C, Y, X) movie ingest described.
    """
    metadata = read_metadata(metadata_path)
    sources = {entry["channel"]: _channel_source(entry) for entry in metadata["sources"]}
    layout = describe_sample(metadata["sample"], sources)
    if list(layout.shape) != metadata["shape"] or layout.dtype.name != metadata["dtype"]:
        raise InputError(
            f"sample {metadata['sample']!r}: the sources now hold a {layout.shape} movie of {layout.dtype}, "
            f"not the {tuple(metadata['shape'])} movie of {metadata['dtype']} described in {metadata_path}; "
            "rerun ingest."
        )
    return Movie(layout)


def _channel_source(entry: dict) -> ChannelSource:
    """The source of one ``metadata.json`` ``sources`` entry."""
    files = entry.get("files")
    return ChannelSource(
        Path(entry["path"]),
        entry["channel_index"],
        entry["series"],
        None if files is None else tuple(Path(file["path"]) for file in files),
    )


@contextmanager
def sample_arrays(paths: Mapping[str, str | Path]) -> Iterator[tuple[Movie, np.ndarray, np.ndarray]]:
    """The (T, C, Y, X) movie of the sample ``paths["metadata"]`` describes, read from its
    sources, and read-only memory maps of its ``nuclei`` and ``cytoplasm`` (T, Y, X) label
    stacks named in ``paths``."""
    with open_movie(paths["metadata"]) as movie:
        yield movie, open_array(paths["nuclei"]), open_array(paths["cytoplasm"])
