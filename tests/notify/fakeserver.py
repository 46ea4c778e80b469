"""A tiny real HTTP server for provider and gateway tests: records every request, answers by a rule.

    server = FakeServer(rule)        # rule(request: Recorded) -> Reply
    server.start(); ... server.url ...; server.stop()

No mocks: the code under test speaks HTTP over a socket to this server.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    form: dict
    json: object
    headers: dict
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)  # dict/list → JSON; bytes/str → raw
    delay: float = 0.0
    content_type: str = "application/json"


class FakeServer:
    def __init__(self, rule):
        self.rule = rule
        self.requests: list[Recorded] = []
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                ctype = self.headers.get("Content-Type", "")
                form = {}
                data = None
                if "application/x-www-form-urlencoded" in ctype:
                    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                elif "json" in ctype and body:
                    data = json.loads(body)
                recorded = Recorded(
                    method=self.command, path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    form=form, json=data, headers=dict(self.headers), body=body,
                )
                server.requests.append(recorded)
                reply = server.rule(recorded)
                if reply.delay:
                    time.sleep(reply.delay)
                if isinstance(reply.body, (dict, list)):
                    payload = json.dumps(reply.body, ensure_ascii=False).encode()
                elif isinstance(reply.body, str):
                    payload = reply.body.encode()
                else:
                    payload = reply.body
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type + "; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out tests)
                    pass

            do_GET = _handle
            do_POST = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
