#!/usr/bin/env python3
"""An HTTP proxy in front of the bench's gateway that moves the Date of every answer on.

Usage: bench/date_shift_proxy.py LISTEN_PORT UPSTREAM_PORT SHIFT_FILE

Used by bench/retention-bench to run a maintenance run "days later" without waiting: stormproof
takes the server's time from the Date header of its answers (docs/object-storage.md, "Clocks"),
so with SHIFT_FILE holding D (a whole number of days, re-read for every answer) the client sees
the server D days on while the gateway keeps its own clock: the objects keep the retention dates
the gateway set, and every request still reaches it unchanged (signatures included: the Host
header is passed on as the client signed it). Requests are counted in the gateway's log, as by
bench/engine-bench-s3.sh; this proxy counts nothing.
"""
import email.utils
import http.client
import http.server
import sys

LISTEN_PORT, UPSTREAM_PORT, SHIFT_FILE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


def shift_seconds():
    with open(SHIFT_FILE, encoding="ascii") as f:
        return int(f.read().strip() or "0") * 86400


class Forward(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue answered for the client

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        try:
            answer, data = self.ask(body)
        except (http.client.HTTPException, OSError):  # the gateway closed a kept-alive connection
            self.upstream = None
            answer, data = self.ask(body)
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                continue
            if name.lower() == "date":
                when = email.utils.parsedate_to_datetime(value).timestamp() + shift_seconds()
                value = email.utils.formatdate(when, usegmt=True)
            self.send_header(name, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", answer.getheader("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def ask(self, body):
        if getattr(self, "upstream", None) is None:
            self.upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM_PORT)
        self.upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP and name.lower() != "expect":
                self.upstream.putheader(name, value)
        self.upstream.endheaders(body)
        answer = self.upstream.getresponse()
        return answer, answer.read()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    Server(("127.0.0.1", LISTEN_PORT), Forward).serve_forever()
