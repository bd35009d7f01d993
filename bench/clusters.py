"""Throwaway PostgreSQL clusters on loopback, for what needs a database of its own to stop, to
stream a replica from, or to put pgbouncer in front of: Debian's PostgreSQL 15 binaries, a
temporary directory, free ports. Never the shared cluster on 5432.

PostgreSQL will not run as root: as root, every server command runs as the postgres user, who
is given the directory."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
OWNER = "postgres"


def missing() -> str | None:
    """Why no throwaway cluster can be made here, or None."""
    for program in ("initdb", "pg_ctl", "pg_basebackup", "postgres"):
        if not (PG_BIN / program).exists():
            return f"PostgreSQL 15's {program} is not in {PG_BIN} (Debian's postgresql-15)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser, and PostgreSQL will not run as root"
    return None


def pgbouncer_missing() -> str | None:
    if not Path(PGBOUNCER).exists():
        return "pgbouncer is not installed (apt-get install -y pgbouncer)"
    return missing()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _owned(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", OWNER, "--", *command]
    return command


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(_owned(command), check=True, capture_output=True, text=True, **kwargs)


def give(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, OWNER, OWNER)


@dataclass
class Cluster:
    directory: Path
    port: int
    settings: dict[str, str] = field(default_factory=dict)

    def url(self, database: str) -> str:
        return f"postgres://{OWNER}@127.0.0.1:{self.port}/{database}"

    @property
    def log(self) -> Path:
        return self.directory.parent / f"{self.directory.name}.log"

    def start(self) -> None:
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1"]
        options += [f"-k {self.directory}"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.directory),
                "-l",
                str(self.log),
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "30",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.directory), "-m", mode, "-w", "stop"])

    def running(self) -> bool:
        status = subprocess.run(
            _owned([str(PG_BIN / "pg_ctl"), "-D", str(self.directory), "status"]),
            capture_output=True,
        )
        return status.returncode == 0

    def sql(self, statement: str, database: str = "postgres") -> str:
        """One statement's answer, through psql as the cluster's superuser."""
        done = subprocess.run(
            [str(PG_BIN / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
            + ["-h", "127.0.0.1", "-p", str(self.port), "-U", OWNER, "-d", database]
            + ["-c", statement],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()


def new_primary(root: Path, **settings: str) -> Cluster:
    """A new cluster, started, that replicas can stream from."""
    directory = root / "primary"
    _run(
        [str(PG_BIN / "initdb"), "-D", str(directory), "-U", OWNER, "--auth=trust"]
        + ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
    )
    cluster = Cluster(
        directory,
        free_port(),
        {
            "wal_level": "replica",
            "max_wal_senders": "4",
            "fsync": "off",  # throwaway: its durability is not what is tested
            "shared_buffers": "32MB",
            **settings,
        },
    )
    cluster.start()
    return cluster


def new_replica(primary: Cluster, root: Path, **settings: str) -> Cluster:
    """A streaming replica of `primary` (pg_basebackup -R), started and caught up."""
    directory = root / "replica"
    _run(
        [str(PG_BIN / "pg_basebackup"), "-D", str(directory), "-R", "-X", "stream", "-c", "fast"]
        + ["-h", "127.0.0.1", "-p", str(primary.port), "-U", OWNER]
    )
    replica = Cluster(
        directory, free_port(), {"hot_standby": "on", "shared_buffers": "32MB", **settings}
    )
    replica.start()
    return replica


def replay_lag(primary: Cluster, replica: Cluster, timeout: float = 10.0) -> float:
    """Seconds from a committed write on the primary to its replay on the replica."""
    import psycopg

    with (
        psycopg.connect(primary.url("postgres"), autocommit=True) as writer,
        psycopg.connect(replica.url("postgres"), autocommit=True) as reader,
    ):
        writer.execute("CREATE TABLE IF NOT EXISTS lag_probe (at timestamptz)")
        written = time.perf_counter()
        writer.execute("INSERT INTO lag_probe VALUES (now())")
        lsn = writer.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        while not reader.execute("SELECT pg_last_wal_replay_lsn() >= %s", [lsn]).fetchone()[0]:
            if time.perf_counter() - written > timeout:
                raise TimeoutError(f"The replica did not replay {lsn} in {timeout} s")
            time.sleep(0.0005)
        return time.perf_counter() - written


@dataclass
class Pooler:
    """pgbouncer in transaction mode in front of a cluster."""

    port: int
    process: subprocess.Popen
    log: Path

    def url(self, database: str) -> str:
        return f"postgres://{OWNER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        _stop_pgbouncer(self.log.parent)
        self.process.wait(timeout=10)


def _stop_pgbouncer(directory: Path) -> None:
    with suppress(FileNotFoundError, ValueError, ProcessLookupError):
        os.kill(int((directory / "pgbouncer.pid").read_text()), signal.SIGTERM)


def start_pgbouncer(cluster: Cluster, root: Path, pool_size: int = 4) -> Pooler:
    directory = root / "pgbouncer"
    directory.mkdir()
    (directory / "users.txt").write_text(f'"{OWNER}" ""\n')
    port = free_port()
    log = directory / "pgbouncer.log"
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={cluster.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
        f"logfile = {log}\npidfile = {directory / 'pgbouncer.pid'}\n"
    )
    for path in (directory, *directory.iterdir()):
        give(path)
    process = subprocess.Popen(
        _owned([PGBOUNCER, str(directory / "pgbouncer.ini")]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return Pooler(port, process, log)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"pgbouncer did not start: {log.read_text() if log.exists() else ''}")


@contextmanager
def scratch() -> Iterator[Path]:
    """A temporary directory the clusters in it are stopped and deleted with."""
    root = Path(tempfile.mkdtemp(prefix="archive-clusters-"))
    give(root)
    clusters: list[Path] = []
    try:
        yield root
    finally:
        for pidfile in root.glob("**/pgbouncer.pid"):
            _stop_pgbouncer(pidfile.parent)
        clusters.extend(pidfile.parent for pidfile in root.glob("**/postmaster.pid"))
        for directory in clusters:
            subprocess.run(
                _owned([str(PG_BIN / "pg_ctl"), "-D", str(directory), "-m", "immediate", "stop"]),
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)
