"""Files: image sources (:mod:`.readers` over :mod:`.tiff` and :mod:`.vendor`, per-timepoint
:mod:`.series`, their common :mod:`.images` types, a sample's :mod:`.sources`), ``.npy`` stacks
and metadata (:mod:`.stacks`), Parquet and HTML tables (:mod:`.tables`), atomic outputs
(:mod:`.atomic`), checksums (:mod:`.checksum`), whether sources changed since ingest
(:mod:`.freshness`) and the memory frames need (:mod:`.budget`)."""
