"""A real HTTP receiver on 127.0.0.1 (thread-based http.server) for webhook tests."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """`answer(n, headers, body) -> status` decides each answer (n counts requests from 0);
    every request is recorded as (status, headers, body)."""

    def __init__(self, answer=None):
        self.answer = answer or (lambda n, headers, body: 200)
        self.requests: list[tuple[int, dict, bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    n = len(receiver.requests)
                    receiver.requests.append((0, headers, body))
                status = receiver.answer(n, headers, body)
                with receiver.lock:
                    receiver.requests[n] = (status, headers, body)
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self, status=None):
        return [json.loads(b) for s, _h, b in list(self.requests) if status is None or s == status]
