"""A node's management commands without starting an interpreter for each: one process per node
imports Django and the project once (``django.setup()``, ~3.5 s of CPU on this machine), then forks a
child per command. The child is the process ``manage.py`` would have been (same environment, fresh
database connections, its own random state), so a test sees no difference but the time.

Run as ``python -m bench.forkserver SOCKET`` in the node's environment; it prints ``ready``
once set up. A request on the Unix socket is one JSON line ``{"argv": [...]}``; the child answers with
its pid (one line), then, when the command ends, one JSON line ``{"rc", "stdout", "stderr"}``.

The server opens no database connection and starts no thread, so forking it is safe.
"""

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``manage.py *argv`` in this process, its stdout and stderr captured at the file descriptors."""
    from django.core.management import execute_from_command_line

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        code = 0
        try:
            execute_from_command_line(["manage.py", *argv])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        out.seek(0)
        err.seek(0)
        return code, out.read(), err.read()


def _daphne(argv: list[str], log: str) -> None:
    """``python -m daphne *argv`` in this process, its output appended to ``log``."""
    from daphne.cli import CommandLineInterface

    with open(log, "ab") as file:
        os.dup2(file.fileno(), 1)
        os.dup2(file.fileno(), 2)
    CommandLineInterface().run(argv)


def _child(connection: socket.socket) -> None:
    random.seed()  # a fork inherits the parent's random state; manage.py would start with its own
    stream = connection.makefile("rwb")
    request = json.loads(stream.readline())
    stream.write(f"{os.getpid()}\n".encode())
    stream.flush()
    if request.get("daphne"):
        stream.close()
        connection.close()
        _daphne(request["argv"], request["log"])
        return
    code, out, err = _run(request["argv"])
    stream.write(json.dumps({"rc": code, "stdout": out, "stderr": err}).encode() + b"\n")
    stream.flush()


def serve(path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django
    from django.core.management import get_commands, load_command_class
    from django.db import connections

    django.setup()
    for name, app in get_commands().items():  # the command modules and what they import
        with contextlib.suppress(Exception):
            load_command_class(app, name)
    import portal.asgi  # noqa: F401 - what a node's daphne serves (it freezes the start-up objects: gc.freeze)

    assert all(connection.connection is None for connection in connections.all(initialized_only=True))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _child(connection)
            finally:
                os._exit(0)
        connection.close()


class ForkServer:
    """The test's side: the server for one environment, started at the first command."""

    def __init__(self, env: dict[str, str], root: Path, log: Path):
        self.env, self.root, self.log = dict(env), root, log
        self.directory: str | None = None
        self.process: subprocess.Popen | None = None

    def _socket(self) -> str:
        if self.process is None:
            # a short path: a Unix socket's path is limited to ~107 bytes, pytest's tmp_path can be longer
            self.directory = tempfile.mkdtemp(prefix="fork-", dir="/tmp")
            path = os.path.join(self.directory, "socket")
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "bench.forkserver", path],
                    cwd=self.root,
                    env=self.env,
                    stdout=subprocess.PIPE,
                    stderr=log,
                )
            if self.process.stdout.readline().strip() != b"ready":
                raise RuntimeError(f"the fork server did not start:\n{self.log.read_text(errors='replace')}")
        return os.path.join(self.directory, "socket")

    def _request(self, **request) -> tuple[socket.socket, BinaryIO, int]:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(self._socket())
        stream = connection.makefile("rwb")
        stream.write(json.dumps(request).encode() + b"\n")
        stream.flush()
        return connection, stream, int(stream.readline())

    def daphne(self, argv: list[str], log: Path = Path(os.devnull)) -> "Forked":
        """``python -m daphne *argv`` in a child writing to ``log``."""
        connection, stream, pid = self._request(argv=argv, daphne=True, log=str(log))
        stream.close()
        connection.close()
        return Forked(pid)

    def started(self, args: tuple[str, ...]) -> Callable[..., str]:
        """``manage.py *args`` started in a child; call the result to wait for its output."""
        connection, stream, pid = self._request(argv=list(args))

        def output(timeout: int = 900) -> str:
            connection.settimeout(timeout)
            try:
                line = stream.readline()
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired(["manage.py", *args], timeout) from None
            finally:
                stream.close()
                connection.close()
            answer = json.loads(line)
            assert answer["rc"] == 0, f"manage.py {args[0]} failed:\n{answer['stdout']}\n{answer['stderr']}"
            return answer["stdout"]

        return output

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=20)
            self.process.stdout.close()
            shutil.rmtree(self.directory, ignore_errors=True)
            self.process = None


class Forked:
    """A forked child as ``Node`` uses a ``subprocess.Popen``; the fork server reaps it, so it is gone
    (``poll`` answers 0: its exit status is not known here) once it exits."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            self.returncode = 0
        return self.returncode

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, number)

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
            time.sleep(0.05)
        return 0


if __name__ == "__main__":
    serve(sys.argv[1])
