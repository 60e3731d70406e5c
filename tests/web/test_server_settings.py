"""gunicorn.conf.py as production runs it: connections spread over every worker process."""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from processes import gunicorn, process_env

CONNECTIONS = 64


def _sockets(pid: int) -> list[str]:
    """The inodes of the sockets `pid` holds open."""
    inodes = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile
            link = fd.readlink().name
            if link.startswith("socket:["):
                inodes.append(link.removeprefix("socket:[").removesuffix("]"))
    return inodes


def _server_processes(port: int) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"wsgi:app" in command and f"127.0.0.1:{port}".encode() in command:
            found.append(int(cmdline.parent.name))
    return found


def _tcp(port: int) -> list[list[str]]:
    """The rows of /proc/net/tcp whose local end is 127.0.0.1:`port`."""
    local = f"0100007F:{port:04X}"
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return [row for row in rows if row[1] == local]


def _listening(port: int) -> set[str]:
    """The inodes of the sockets listening on `port` (state 0A)."""
    return {row[9] for row in _tcp(port) if row[3] == "0A"}


def _accepted(port: int, clients: list[socket.socket]) -> set[str]:
    """The inodes of the server's ends of `clients`' connections."""
    peers = {f"0100007F:{client.getsockname()[1]:04X}" for client in clients}
    return {row[9] for row in _tcp(port) if row[2] in peers}


def _workers(port: int, expected: int) -> list[int]:
    """The worker processes (the master's children), once each holds a listening socket."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        processes = _server_processes(port)
        parents = {pid: int(_status(pid)["PPid"]) for pid in processes}
        workers = [pid for pid, parent in parents.items() if parent in parents]
        listening = _listening(port)
        if len(workers) == expected and all(listening & set(_sockets(pid)) for pid in workers):
            return workers
        time.sleep(0.1)
    raise AssertionError("the workers did not all start listening")


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def test_kept_alive_connections_opened_at_once_are_spread_over_the_workers(tmp_path):
    env = process_env(f"sqlite:///{tmp_path / 'server.db'}")
    with gunicorn(env, workers=2) as url:
        port = urlsplit(url).port
        workers = _workers(port, expected=2)
        # A burst, as a proxy or a load generator opens its pool: all connected before any
        # request, then each used once and kept open.
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
        try:
            for client in clients:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for client in clients:
                assert client.recv(64).startswith(b"HTTP/1.1 200")
            ours = _accepted(port, clients)
            held = [len(ours & set(_sockets(pid))) for pid in workers]
        finally:
            for client in clients:
                client.close()

    assert sum(held) == CONNECTIONS
    # Each worker takes half on average; a quarter or less would come by chance once in
    # tens of thousands of runs.
    assert all(count > CONNECTIONS // 4 for count in held), held
