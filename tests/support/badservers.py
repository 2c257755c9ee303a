"""Loopback HTTP servers that answer badly on purpose: slowly, without end, or hugely.

What a real Synapse or push gateway cannot be made to do: drip an answer a
byte at a time, wait without answering, send an endless or a huge body.
:class:`BadServer` answers every request on 127.0.0.1 with one of the answers
below, one request per connection, and counts connections and bytes sent.

Each answer gives up after a while (sending the rest at once, or closing), so
that a pushctl without bounds makes a test fail rather than hang.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

NOTIFY_PATH = "/_matrix/push/v1/notify"
MiB = 1024 * 1024

#: what an answer does with the connection it is given: write to it, then return
Answer = Callable[["Connection"], None]


@dataclass
class Connection:
    sock: socket.socket
    server: BadServer

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)
        with self.server.lock:
            self.server.sent += len(data)


@dataclass
class BadServer:
    answer: Answer
    #: answers over TLS with this context (https://localhost)
    tls: ssl.SSLContext | None = None
    connections: int = 0
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def base_url(self) -> str:
        port = self._listener.getsockname()[1]
        return f"https://localhost:{port}" if self.tls else f"http://127.0.0.1:{port}"

    @property
    def notify_url(self) -> str:
        return self.base_url + NOTIFY_PATH

    def __enter__(self) -> BadServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        with self.lock:
            for sock in self._open:
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:  # closed
                return
            with self.lock:
                self.connections += 1
                self._open.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
            _read_request(sock)
            self.answer(Connection(sock, self))
        except OSError:  # the client went away: what a bounded client does
            pass
        finally:
            sock.close()


def _read_request(sock: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return
        body += chunk


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def drip(body: bytes, every: float = 0.25, give_up_after: float = 12.0) -> Answer:
    """A whole valid answer, headers included, one byte every *every* seconds.

    After *give_up_after* seconds, the rest at once.
    """
    data = head(Content_Length=str(len(body))) + body

    def answer(connection: Connection) -> None:
        started = time.monotonic()
        for index in range(len(data)):
            if time.monotonic() - started > give_up_after:
                connection.send(data[index:])
                return
            connection.send(data[index : index + 1])
            time.sleep(every)

    return answer


def silence(seconds: float = 12.0) -> Answer:
    """Read the request and answer nothing for *seconds*, then close."""

    def answer(connection: Connection) -> None:
        time.sleep(seconds)

    return answer


def endless(guard: int = 1024 * MiB, declared: int | None = None) -> Answer:
    """200 and a body that does not end, in 1 MiB chunks (with *declared*, a Content-Length).

    Ends after *guard* bytes, so that a client that reads everything fails a
    test rather than the machine.
    """
    block = b"[" * MiB

    def answer(connection: Connection) -> None:
        if declared is None:
            connection.send(head(Transfer_Encoding="chunked"))
            frame = b"%x\r\n" % len(block) + block + b"\r\n"
        else:
            connection.send(head(Content_Length=str(declared)))
            frame = block
        while connection.server.sent < guard:
            connection.send(frame)

    return answer
