"""Write the bundled demo data: two small synthetic movies as ImageJ TIFFs plus a sample sheet.

Usage: ``python scripts/make_demo_data.py [OUTPUT_DIR]`` (default ``data``). Deterministic: the
same files every time.

- ``demo_import``: four cells whose POI moves into the nucleus; one TIFF per channel.
- ``demo_control``: four cells with no translocation; one two-channel ImageJ hyperstack
  (T, C, Y, X) with the nuclear marker as channel 0 and the POI as channel 1.

Both are "stimulated" at frame 3 (the sheet's ``stimulus_frame``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import tifffile

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nucleocyto.synthetic import grid_cells, render_movie  # noqa: E402

N_FRAMES = 16
SHAPE = (80, 100)
FRAME_INTERVAL_S = 30.0
STIMULUS_FRAME = 3  # the sheet's stimulation time: the imported cells switch between frames 6 and 10
PIXEL_SIZE_UM = 0.325


def write_imagej(path: Path, data: np.ndarray, axes: str) -> None:
    """Write ``data`` as a calibrated ImageJ TIFF (micron pixels, seconds between frames)."""
    tifffile.imwrite(
        path,
        data,
        imagej=True,
        resolution=(1 / PIXEL_SIZE_UM, 1 / PIXEL_SIZE_UM),
        metadata={"axes": axes, "unit": "um", "finterval": FRAME_INTERVAL_S},
    )


def main(out_dir: Path) -> None:
    movies = out_dir / "demo"
    movies.mkdir(parents=True, exist_ok=True)
    poi, marker, _ = render_movie(grid_cells(4, SHAPE, seed=1, shuttle=0.6), N_FRAMES, SHAPE, seed=1)
    write_imagej(movies / "demo_import_poi.tif", poi, "TYX")
    write_imagej(movies / "demo_import_nucleus.tif", marker, "TYX")
    poi, marker, _ = render_movie(grid_cells(4, SHAPE, seed=2, shuttle=0.0), N_FRAMES, SHAPE, seed=2)
    write_imagej(movies / "demo_control.tif", np.stack([marker, poi], axis=1), "TCYX")
    sheet = (
        "sample\tcondition\tpoi\tnucleus\timage\tpoi_channel\tnucleus_channel\tstimulus_frame\n"
        f"demo_import\tstimulated\t{movies / 'demo_import_poi.tif'}\t{movies / 'demo_import_nucleus.tif'}\t\t\t\t"
        f"{STIMULUS_FRAME}\n"
        f"demo_control\tcontrol\t\t\t{movies / 'demo_control.tif'}\t1\t0\t{STIMULUS_FRAME}\n"
    )
    (out_dir / "samples.tsv").write_text(sheet)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data"))
