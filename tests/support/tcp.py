"""Network trouble between briefbot and its database, on 127.0.0.1, for tests.

`Proxy` forwards connections to a real server until `cut()`: then every open connection
is dropped and new ones are refused, as when the database host goes away; `restore()`
brings it back on the same port. `SilentServer` accepts connections and never says a
word, like a server that hangs.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import Any


def _listener(port: int = 0) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    return sock


def _drop(sock: socket.socket) -> None:
    """Close with a reset, so the other side learns at once that the connection is gone.

    shutdown() first: a bare close() would not wake a thread blocked reading the socket,
    and the connection would live on for as long as that read.
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class Proxy:
    """A TCP proxy from 127.0.0.1:`port` to (`host`, `target_port`) that can be cut."""

    def __init__(self, host: str, target_port: int) -> None:
        self.target = (host, target_port)
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._server: socket.socket | None = None
        self.port = 0
        self.restore()

    def restore(self) -> None:
        """Accept and forward connections again (on the same port)."""
        server = _listener(self.port)
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones."""
        with self._lock:
            server, self._server = self._server, None
            sockets, self._open = self._open, []
        if server is not None:
            _drop(server)
        for sock in sockets:
            _drop(sock)

    def close(self) -> None:
        self.cut()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _drop(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._server is not server:
                    _drop(client)
                    _drop(upstream)
                    return
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SilentServer:
    """Accepts connections on 127.0.0.1:`port` and never answers (nor closes) them."""

    def __init__(self) -> None:
        self._server = _listener()
        self.port = self._server.getsockname()[1]
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._held.append(client)

    def close(self) -> None:
        _drop(self._server)
        for sock in self._held:
            _drop(sock)

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
