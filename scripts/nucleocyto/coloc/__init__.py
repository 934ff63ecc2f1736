"""Correlation: pixel-wise colocalisation per label (:mod:`.pixel`), its scopes in one frame
(:mod:`.scopes`), and correlation of intensity traces over time (:mod:`.temporal`)."""
