"""Errors of the machine, not of the input: a full disk ends the step with one sentence naming the
step, the sample and the file; nothing finished-looking is left, and other samples complete."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
import tifffile

from conftest import run_snakemake, write_sheet
from movies import write_movie

pytestmark = pytest.mark.workflow


@pytest.fixture
def small_disk(tmp_path):
    """``tmp_path / "results"`` on a 3 MB tmpfs (needs root to mount; skips otherwise)."""
    results = tmp_path / "results"
    results.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(results)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.decode().strip() or 'not root'})")
    yield results
    subprocess.run(["umount", "-l", str(results)], check=False)


def test_a_full_disk_is_one_sentence_and_spares_the_other_sample(tmp_path, small_disk):
    good = {"sample": "good", **write_movie(tmp_path, "good", n_frames=4)}
    (tmp_path / "data" / "big").mkdir()
    big = {"sample": "big"}
    for channel in ("poi", "nucleus"):  # 60 frames of 256 × 256 px: a 3.9 MB label stack overflows the disk
        path = tmp_path / "data" / "big" / f"{channel}.tif"
        frames = np.full((60, 256, 256), 100, np.uint16)
        if channel == "nucleus":
            frames[:, 100:140, 100:140] = 900
        tifffile.imwrite(path, frames)
        big[channel] = str(path.relative_to(tmp_path))
    write_sheet(tmp_path / "samples.tsv", [good, big])
    result = run_snakemake(tmp_path, "--cores", "1", "--keep-going", "--config", "samples=samples.tsv", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"masks of sample 'big': results/big/(nuclei|cytoplasm)\.npy: No space left on device\.", output)
    assert "Traceback" not in output
    assert not list(small_disk.glob("big/*.npy")) and not list(small_disk.glob("big/.*"))
    assert (small_disk / "good" / "figures" / "overlay.png").is_file()
