"""A private PostgreSQL cluster for the deployment tests: Debian's server binaries
(`apt-get install -y postgresql`, which `.ci/run` and `make test` do when they are missing),
a fresh data directory in a temp folder, listening on 127.0.0.1 on a free port, trusting local
connections, stopped at the end. As root (CI) it runs as the `postgres` user, since the server
refuses to run as root.

Missing binaries fail the test with what to install: the deployment topology is part of CI."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL = "apt-get install -y postgresql (.ci/run and `make test` do it when run as root)"


def server_bin() -> Path:
    """The newest installed PostgreSQL server's bin folder."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    raise RuntimeError(f"no PostgreSQL server binaries (initdb, pg_ctl) found: {INSTALL}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl start on a temp folder; `stop()` ends it and removes the folder."""

    def __init__(self, db: str = "dagster", user: str = "dagster") -> None:
        self.bin = server_bin()
        self.port = free_port()
        self.db, self.user = db, user
        self.dir = Path(tempfile.mkdtemp(prefix="homeiq-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._as = []
        if os.geteuid() == 0:  # the server refuses root: run it as the packaged postgres user
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self._wait()
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", user, db
        )

    def _run(self, *cmd: str) -> None:
        out = subprocess.run([*self._as, *cmd], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd[:2])} failed: {out.stderr[-2000:]}\n{log}")

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not start: {self.log.read_text()[-2000:]}")

    @property
    def env(self) -> dict[str, str]:
        """The DAGSTER_PG_* variables deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": "",
            "DAGSTER_PG_DB": self.db,
        }

    def query(self, sql: str, *args) -> list[tuple]:
        import psycopg2

        with (
            psycopg2.connect(
                host="127.0.0.1", port=self.port, user=self.user, dbname=self.db
            ) as conn,
            conn.cursor() as cur,
        ):
            cur.execute(sql, args)
            return cur.fetchall()

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
