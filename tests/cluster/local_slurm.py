"""A throwaway single-node SLURM cluster for tests, from Debian's ``slurm-wlm`` and ``munge``.

No systemd and no accounting database: ``munged``, ``slurmctld -c`` and ``slurmd`` run in the
foreground as children of the calling process, with their configuration, munge key and socket,
state and logs in one folder and on free TCP ports. Nothing under /etc is written, so a
machine's own SLURM set-up is left alone: client commands find this cluster through
``SLURM_CONF`` (see :attr:`LocalSlurm.env`). Snakemake's jobstep executor drops ``SLURM_*``
variables before its nested ``srun`` (on a real cluster srun reads /etc/slurm/slurm.conf), so
``env`` also puts a two-line ``srun`` shim first on ``PATH`` that sets ``SLURM_CONF`` again.

Without accounting, ``sacct`` fails: Snakemake's SLURM executor must poll with
``--slurm-status-command squeue``. squeue lists a finished job for ``MinJobAge`` seconds, which
must outlast the executor's polling interval (it grows by 10 s per poll, up to 180 s) or the
job's end goes unseen and Snakemake waits forever. The partition lets two jobs share a core, so
a two-core machine runs a few small jobs side by side.

:meth:`LocalSlurm.stop` cancels the jobs and stops every daemon by its PID. It runs on leaving
the ``with`` block, also on an exception or SIGTERM; and the kernel sends the daemons SIGTERM
if the starting process dies anyway (``PR_SET_PDEATHSIG``).

Command line (as root): ``python tests/cluster/local_slurm.py [--dir DIR] -- COMMAND ...``
installs the packages if needed, brings the cluster up, runs COMMAND against it and stops it.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

#: Debian packages that provide the daemons and the client commands.
PACKAGES = ("slurm-wlm", "munge")
#: Programs the cluster needs.
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scancel", "sinfo")
#: Seconds a finished job stays visible to squeue (Snakemake polls at most every 180 s).
MIN_JOB_AGE_S = 300
#: Timeouts (s): one apt-get call, start-up, one client command, stopping the jobs / a daemon.
INSTALL_TIMEOUT_S = 300
START_TIMEOUT_S = 60
COMMAND_TIMEOUT_S = 20
STOP_TIMEOUT_S = 15
#: Job states in which a job still holds (or waits for) the node.
ACTIVE_STATES = "PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED"


def missing_programs() -> list[str]:
    """The :data:`PROGRAMS` not found on ``PATH``."""
    return [name for name in PROGRAMS if shutil.which(name) is None]


def unavailable_reason() -> str | None:
    """Why no local cluster can be brought up here; None if it can (maybe after :func:`install`)."""
    if not sys.platform.startswith("linux"):
        return f"a local SLURM cluster needs Linux (this is {sys.platform})"
    if os.geteuid() != 0:
        return "a local SLURM cluster needs root (its daemons run as root; apt-get may be needed)"
    if missing_programs() and shutil.which("apt-get") is None:
        return f"SLURM is not installed ({', '.join(missing_programs())} missing) and there is no apt-get"
    return None


def install() -> float:
    """apt-get install :data:`PACKAGES` if a program is missing; returns the seconds spent.

    Raises ``RuntimeError`` with apt-get's output when that fails or times out.
    """
    if not missing_programs():
        return 0.0
    start = time.perf_counter()
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait_for_lock = ["-o", "DPkg::Lock::Timeout=120"]  # another apt-get may be running
    for command in (
        ["apt-get", *wait_for_lock, "update", "-qq"],
        ["apt-get", *wait_for_lock, "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
    ):
        try:
            result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{' '.join(command)} took more than {INSTALL_TIMEOUT_S} s") from None
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    if missing_programs():
        raise RuntimeError(f"installed {' '.join(PACKAGES)}, yet {', '.join(missing_programs())} missing")
    return time.perf_counter() - start


class LocalSlurm:
    """A single-node SLURM cluster whose files live in ``folder``; use it as a context manager.

    Attributes: ``env`` (``os.environ`` with ``SLURM_CONF`` and the srun shim, for client
    commands), ``node`` (node name), ``partition`` (default partition), ``daemons`` ({name:
    process}) and ``startup_s`` (seconds :meth:`start` took).
    """

    partition = "debug"

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder).resolve()
        self.node = socket.gethostname().split(".")[0]
        self.conf = self.folder / "slurm.conf"
        self.bin = self.folder / "bin"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf), "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}
        self.daemons: dict[str, subprocess.Popen] = {}
        self.startup_s = 0.0
        self._sigterm = None

    def __enter__(self) -> LocalSlurm:
        if threading.current_thread() is threading.main_thread():
            self._sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._sigterm is not None:
            signal.signal(signal.SIGTERM, self._sigterm)

    def start(self) -> None:
        """Write the configuration, start munged, slurmctld and slurmd, wait for an idle node."""
        start = time.perf_counter()
        for folder in (self.folder / "ctld", self.folder / "spool", self.bin):
            folder.mkdir(parents=True, exist_ok=True)
        key, munge_socket = self.folder / "munge.key", self.folder / "munge.socket"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        self.conf.write_text(self._config(munge_socket))
        shim = self.bin / "srun"
        shim.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec {shutil.which("srun")} "$@"\n')
        shim.chmod(0o755)
        self._spawn(
            "munged",
            [
                "munged",
                "--foreground",
                "--force",
                f"--socket={munge_socket}",
                f"--key-file={key}",
                f"--pid-file={self.folder / 'munged.pid'}",
                f"--log-file={self.folder / 'munged.log'}",
                f"--seed-file={self.folder / 'munged.seed'}",
            ],
        )
        self._wait(munge_socket.exists, "munged's socket")
        self._spawn("slurmctld", ["slurmctld", "-D", "-c", "-f", str(self.conf)])
        self._spawn("slurmd", ["slurmd", "-D", "-f", str(self.conf), "-N", self.node])
        self._wait(
            lambda: self._client("sinfo", "-h", "-n", self.node, "-o", "%T") == "idle", f"node {self.node} to be idle"
        )
        self.startup_s = time.perf_counter() - start

    def stop(self) -> None:
        """Cancel the active jobs, then stop slurmd, slurmctld and munged by PID (SIGKILL if stuck)."""
        if "slurmctld" in self.daemons and self.daemons["slurmctld"].poll() is None:
            active = ("squeue", "-h", "-t", ACTIVE_STATES, "-o", "%i")
            jobs = self._client(*active).split()
            if jobs:
                self._client("scancel", *jobs)
                self._wait(lambda: not self._client(*active), "cancelled jobs to end", STOP_TIMEOUT_S, fail=False)
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.daemons.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)

    def squeue(self, fmt: str) -> str:
        """``squeue`` output in format ``fmt`` for every job the cluster still lists, finished or not."""
        return self._client("squeue", "-h", "-t", "all", "-o", fmt)

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of each daemon's log, for error messages."""
        return "\n".join(
            f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in sorted(self.folder.glob("*.log"))
        )

    def _config(self, munge_socket: Path) -> str:
        slurmctld_port, slurmd_port = _free_ports(2)
        hardware = subprocess.run(  # "NodeName=... CPUs=2 Boards=1 ... RealMemory=24105"
            ["slurmd", "-C"], capture_output=True, text=True, check=True, timeout=COMMAND_TIMEOUT_S
        ).stdout.splitlines()[0]
        node = " ".join(field for field in hardware.split() if not field.startswith("NodeName="))
        folder = self.folder
        return f"""\
# Written by tests/cluster/local_slurm.py: a throwaway single-node cluster without accounting.
ClusterName=nucleocyto-test
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={slurmctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={folder / "ctld"}
SlurmdSpoolDir={folder / "spool"}
SlurmctldPidFile={folder / "slurmctld.pid"}
SlurmdPidFile={folder / "slurmd.pid"}
SlurmctldLogFile={folder / "slurmctld.log"}
SlurmdLogFile={folder / "slurmd.log"}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge={MIN_JOB_AGE_S}
KillWait=5
NodeName={self.node} NodeAddr=127.0.0.1 {node} State=UNKNOWN
PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:2
"""

    def _spawn(self, name: str, command: list[str]) -> None:
        with open(self.folder / f"{name}.out", "wb") as output:
            self.daemons[name] = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=self.env, preexec_fn=_die_with_parent
            )

    def _client(self, *command: str) -> str:
        """A client command's stdout; '' if it fails or times out."""
        try:
            result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return ""
        return result.stdout.strip() if result.returncode == 0 else ""

    def _wait(self, done, what: str, timeout_s: float = START_TIMEOUT_S, fail: bool = True) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            dead = [name for name, process in self.daemons.items() if process.poll() is not None]
            if dead or time.monotonic() > deadline:
                if not fail:
                    return
                problem = f"{', '.join(dead)} exited" if dead else f"not within {timeout_s} s"
                raise RuntimeError(f"waiting for {what}: {problem}\n{self.log_tail()}")
            time.sleep(0.2)


def _free_ports(count: int) -> list[int]:
    """``count`` TCP ports free on 127.0.0.1 right now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _die_with_parent() -> None:
    """In a child, before exec: receive SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _exit_on_sigterm(signum, frame) -> None:
    """SIGTERM -> SystemExit, so ``with LocalSlurm(...)`` still stops the daemons."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="folder for configuration, state and logs (default: a temporary one)")
    parser.add_argument("command", nargs="+", help="command to run against the cluster (after --)")
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        parser.error(reason)
    print(f"local SLURM: installing {' '.join(PACKAGES)} took {install():.1f} s", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="local-slurm-") as scratch, LocalSlurm(args.dir or scratch) as cluster:
        print(f"local SLURM: up in {cluster.startup_s:.1f} s (SLURM_CONF={cluster.conf})", file=sys.stderr)
        return subprocess.run(args.command, env=cluster.env).returncode


if __name__ == "__main__":
    sys.exit(main())
