"""A misbehaving HTTP server for the fetch tests: per-path faults, requests recorded.

Threads in the test process on a loopback address. Every wait in the server
is cut short when it is closed, so a test that hangs a request costs only
the client's timeout.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from jjfeed.model import FetchSettings

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>one</title><guid>1</guid></item></channel></rss>"
)
QUICK = FetchSettings(connect_timeout=1, read_timeout=0.5, request_timeout=2)


@dataclass
class Fault:
    """How the server answers one path."""

    body: bytes = FEED
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between single bytes of the body
    reset: bool = False  # read the request, then reset the connection
    stream: int = 0  # send this many filler bytes with no Content-Length
    send_length: bool = True


class FaultServer:
    """A threaded HTTP server whose answers a test sets per path; it records every request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Fault] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((self.path, headers))
                fault = server.routes.get(self.path)
                if fault is None:
                    self.send_error(404)
                    return
                if fault.reset:
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.connection.close()
                    return
                if fault.delay and server.stop.wait(fault.delay):
                    return
                if fault.etag and headers.get("if-none-match") == fault.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(fault.status)
                self.send_header("Content-Type", fault.content_type)
                if fault.etag:
                    self.send_header("ETag", fault.etag)
                if fault.send_length and not fault.stream:
                    self.send_header("Content-Length", str(len(fault.body)))
                for key, value in fault.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up, as it should
                    self._body(fault)

            def _body(self, fault: Fault) -> None:
                if fault.stream:
                    chunk = b"<!-- filler -->" * 4096
                    for _ in range(fault.stream // len(chunk) + 1):
                        if server.stop.is_set():
                            return
                        self.wfile.write(chunk)
                elif fault.drip:
                    for i in range(len(fault.body)):
                        if server.stop.wait(fault.drip):
                            return
                        self.wfile.write(fault.body[i : i + 1])
                        self.wfile.flush()
                else:
                    self.wfile.write(fault.body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # resets and aborted clients are the point here

        self.httpd = Server((host, 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
