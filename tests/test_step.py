"""Step processes keep freed memory: the next frame's arrays reuse the pages of the last one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

#: Works on 60 frames the way a step does (several temporaries of a few MB alive at once, all
#: freed at the end of the frame) and prints the page faults per frame of the last 50.
FRAMES = """
import resource, sys
import numpy as np
from nucleocyto.step import keep_freed_memory

if sys.argv[1] == "kept":
    assert keep_freed_memory()

def frame():
    temporaries = [np.ones(3 << 20, np.uint8) for _ in range(4)]
    return sum(int(t[-1]) for t in temporaries)

for _ in range(10):
    frame()
start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    frame()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start) / 50)
"""


def page_faults_per_frame(mode: str) -> float:
    command = [sys.executable, "-c", FRAMES, mode]
    return float(subprocess.run(command, cwd=REPO / "scripts", capture_output=True, text=True, check=True).stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator setting")
def test_kept_memory_spares_the_page_faults_of_every_frame():
    default, kept = page_faults_per_frame("default"), page_faults_per_frame("kept")
    assert default > 1000, "premise: glibc returns the frame's pages to the system and faults them in again"
    assert kept < default / 100
