"""Per-cell intensities: statistics per label (:mod:`.stats`), the tidy table of one frame
(:mod:`.intensities`) and the per-cell N/C table of a movie (:mod:`.cells`)."""
