"""Network faults for tests: a TCP proxy in front of a local server that a test can cut.

``TcpProxy(5432).start()`` (or ``TcpProxy.to(database_url)``) listens on a free port and
forwards every connection to 127.0.0.1:5432. ``cut()`` resets every open connection and
refuses new ones (the port is closed), as when the database's host goes away; ``restore()``
accepts again on the same port. It runs in its own threads, so sync tests (a live server) and
async tests (the app in this process) use it alike.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import Any

from sqlalchemy.engine import make_url

from tests.live import free_port

_CHUNK = 65_536


class TcpProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    @classmethod
    def to(cls, url: str) -> TcpProxy:
        """A proxy to the server a database URL names."""
        parsed = make_url(url)
        return cls(parsed.port or 5432, parsed.host or "127.0.0.1")

    def route(self, url: str) -> str:
        """``url``, a database URL, through this proxy."""
        routed = make_url(url).set(host="127.0.0.1", port=self.port)
        return routed.render_as_string(hide_password=False)

    def start(self) -> TcpProxy:
        self.restore()
        return self

    def restore(self) -> None:
        """Accept connections again (on the same port)."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener
        self._spawn(self._accept, listener)

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until :meth:`restore`."""
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._open = self._open, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            listener.close()
        for sock in conns:
            _reset(sock)

    def close(self) -> None:
        self.cut()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _reset(client)
                    _reset(server)
                    return
                self._open.update((client, server))
            self._spawn(self._pump, client, server)
            self._spawn(self._pump, server, client)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(_CHUNK):
                dst.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._open -= {src, dst}
        _reset(src)
        _reset(dst)


def _reset(sock: socket.socket) -> None:
    """Close with a RST (SO_LINGER 0): the peer sees the connection reset at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
