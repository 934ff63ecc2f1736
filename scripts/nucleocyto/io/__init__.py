"""Files: TIFF sources (:mod:`.tiff`, :mod:`.sources`), ``.npy`` stacks and metadata
(:mod:`.stacks`), Parquet and HTML tables (:mod:`.tables`), atomic outputs (:mod:`.atomic`) and
checksums (:mod:`.checksum`)."""
