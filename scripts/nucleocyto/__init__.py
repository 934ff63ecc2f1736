"""nucleocyto: measure nucleo-cytoplasmic translocation in two-channel fluorescence movies.

The library behind the Snakemake workflow: pure functions over NumPy arrays and pandas tables,
no Snakemake imports. Each module has one job:

- :mod:`nucleocyto.params`: the checked parameters of the steps (standard library only).
- :mod:`nucleocyto.tiff`: read TIFF axes, calibration and single planes.
- :mod:`nucleocyto.ingest`: write the canonical (T, C, Y, X) stack and its metadata.
- :mod:`nucleocyto.checksum`: SHA-256 of files, for provenance.
- :mod:`nucleocyto.pagecache`: drop a source file's pages from the page cache behind its readers.
- :mod:`nucleocyto.labels`: the labelled pixels of a label image, found once and shared.
- :mod:`nucleocyto.masks`: nucleus labels and cytosol-ring labels per frame.
- :mod:`nucleocyto.tracking`: link per-frame nuclei into tracks, frame by frame.
- :mod:`nucleocyto.measure`: per-cell intensity statistics per frame.
- :mod:`nucleocyto.coloc`: pixel-wise colocalisation measures per label.
- :mod:`nucleocyto.temporal`: correlation of intensity traces over time.
- :mod:`nucleocyto.correlation`: the per-frame and per-cell correlation tables.
- :mod:`nucleocyto.figures`: the numbers behind the figures (traces, ratios, spread).
- :mod:`nucleocyto.figures_sample`, :mod:`nucleocyto.figures_summary`: the figures of one movie
  and of all movies, in the shared :mod:`nucleocyto.style`.
- :mod:`nucleocyto.report_tables`: the small HTML tables of the report.
- :mod:`nucleocyto.synthetic`: synthetic movies with known ground truth.
"""

__version__ = "0.1.0"

#: Fixed channel order of the canonical stack's C axis.
CHANNELS = ("poi", "nucleus")
