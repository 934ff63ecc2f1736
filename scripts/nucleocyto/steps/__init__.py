"""One module per workflow rule, each with a ``run`` function: paths and parameters in, files out.

``scripts/<rule>.py`` calls ``steps.<rule>.run`` once it has read the ``snakemake`` object. Each
module imports only what its rule needs, so a job's process loads scikit-image only for masks
and Matplotlib only for figures. Outputs are written atomically (a failed step leaves none).
``provenance`` is the JSON-serialisable record (rule, parameters, input checksums) stored in
every Parquet file's metadata. The modules for per-sample steps also hold the function that
walks the frames of a whole movie (:func:`nucleocyto.system.map_frames`: frames computed on
worker threads, delivered in order, pages of memory-mapped inputs released as it goes), so memory
stays bounded whatever the movie's length.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..io.movie import Movie, open_movie
from ..io.stacks import open_array


@contextmanager
def sample_arrays(paths: Mapping[str, str | Path]) -> Iterator[tuple[Movie, np.ndarray, np.ndarray]]:
    """The (T, C, Y, X) movie of the sample ``paths["metadata"]`` describes, read from its
    sources, and read-only memory maps of its ``nuclei`` and ``cytoplasm`` (T, Y, X) label
    stacks named in ``paths``."""
    with open_movie(paths["metadata"]) as movie:
        yield movie, open_array(paths["nuclei"]), open_array(paths["cytoplasm"])
