"""Answers from the traces: how far and how fast each cell responds, and whether conditions differ.

- :mod:`.response`: the stimulation time of a movie, its baseline and response frames, and each
  cell's response normalised to its baseline, per frame.
- :mod:`.metrics`: per-cell metrics (baseline, amplitude, half-time, time to peak, area, pulses),
  model-free, and :mod:`.fits` the fitted sigmoid or exponential beside them.
- :mod:`.compare`: comparisons of conditions on replicate means, never on cells.
- :mod:`.dose`: four-parameter Hill fits against dose and the Z'-factor of two controls.

Pure computations on the tables of :mod:`nucleocyto.measure` (no file, plot or thread code).
"""
