"""nucleocyto: measure nucleo-cytoplasmic translocation in two-channel fluorescence movies.

The library behind the Snakemake workflow, in layers; a module imports only from its own layer
or the layers listed before it (tests/test_layout.py checks it):

- :mod:`nucleocyto.errors`, :mod:`nucleocyto.filenames`, :mod:`nucleocyto.config`: the
  user-facing error, the file names of per-timepoint series, and every setting with the sample
  sheet (standard library and pandas only, so the workflow checks them when it is parsed).
- :mod:`nucleocyto.io` (files: image sources, ``.npy`` stacks, Parquet and HTML tables) and
  :mod:`nucleocyto.system` (threads, memory maps, page cache, allocator).
- :mod:`nucleocyto.segment`, :mod:`nucleocyto.measure`, :mod:`nucleocyto.coloc`,
  :mod:`nucleocyto.kinetics`: pure computations on the arrays of one frame, or the tables of one
  movie or of all movies (response kinetics, comparisons, dose-response); no file, thread or
  operating-system code.
- :mod:`nucleocyto.plots`: the figures and the report's small tables.
- :mod:`nucleocyto.steps`: one module per workflow rule, whose ``run`` takes paths and
  parameters and writes the rule's files.

:mod:`nucleocyto.synthetic` renders movies with known ground truth for the demo data, the
tests and the benchmark. Nothing here knows Snakemake: ``scripts/_snakemake.py`` is the only
code that reads the ``snakemake`` object.
"""

__version__ = "0.2.0"

#: The two channels, in the order of the canonical movie's C axis: the protein of interest and
#: the nuclear marker. Tables, metadata and parameters use these names.
CHANNELS = ("poi", "marker")

#: Index of each channel on the canonical movie's C axis.
POI, MARKER = (CHANNELS.index(name) for name in CHANNELS)

#: The two regions measured per cell: its nucleus and the cytoplasm around it (a ring by default).
REGIONS = ("nucleus", "cytoplasm")

#: The figures of each sample, in the order they are drawn: {name: label shown in the report}.
SAMPLE_FIGURES = {
    "overlay": "masks over POI",
    "timecourse": "POI in nucleus and cytoplasm",
    "ratio": "N/C ratio",
    "correlation": "pixel correlation",
    "scatter": "nuclear vs cytoplasmic POI",
    "cells": "POI per cell",
}
