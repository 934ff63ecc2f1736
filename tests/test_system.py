"""Step processes keep freed memory for the next frame's arrays (glibc only)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator setting")
def test_keep_freed_memory_sets_the_allocator():
    """``mallopt`` accepts both settings in a fresh process (it returns 0 for a rejected one)."""
    command = [sys.executable, "-c", "from nucleocyto.system import keep_freed_memory; print(keep_freed_memory())"]
    result = subprocess.run(command, cwd=REPO / "scripts", capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"
