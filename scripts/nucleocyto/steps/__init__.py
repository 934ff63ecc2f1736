"""One module per workflow rule, each with a ``run`` function: paths and parameters in, files out.

``scripts/<rule>.py`` calls ``steps.<rule>.run`` once it has read the ``snakemake`` object. Each
module imports only what its rule needs, so a job's process loads scikit-image only for masks
and Matplotlib only for figures. Outputs are written atomically (a failed step leaves none).
``provenance`` is the JSON-serialisable record (rule, parameters, input checksums) stored in
every Parquet file's metadata. The modules for per-sample steps also hold the function that
walks the frames of a whole movie (:func:`nucleocyto.system.map_frames`: frames computed by
forked worker processes, delivered in order, pages of memory-mapped inputs released as it
goes), so memory stays bounded whatever the movie's length.
"""
