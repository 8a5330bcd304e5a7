"""A small HTTP origin on loopback for the fetch() tests: prints its port, then serves.

/hello              200 "hello from the origin" with x-origin: yes
/echo               the method, the headers it got (JSON) and the body, read to its end
/redirect?to=URL&status=N   a redirect to URL (302 unless N)
/hold               answers only once /release is requested (a server that is slow to answer)
/release            releases every /hold
/drop               announces 1,000,000 bytes, sends 5 and closes the connection
/count              how many requests it has served (for "refused before connecting")
/coded?as=CODING&n=N  "coded body N\n" N times (default 1), in content-encoding gzip or deflate;
                    as=corrupt announces gzip and sends bytes that are not
"""
import gzip
import json
import zlib
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

released = threading.Event()
served = 0
lock = threading.Lock()


class Origin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length", "0")))

    def handle_any(self):
        global served
        with lock:
            served += 1
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/hello":
            self.answer(200, "hello from the origin", [("x-origin", "yes")])
        elif url.path == "/echo":
            body = self.body()
            self.answer(200, json.dumps({"method": self.command, "headers": [[k.lower(), v] for k, v in self.headers.items()],
                                         "body": body.decode("latin-1")}), [("content-type", "application/json")])
        elif url.path == "/redirect":
            status = int(query.get("status", ["302"])[0])
            self.answer(status, "", [("location", query["to"][0])])
        elif url.path == "/hold":
            released.wait(60)
            self.answer(200, "released")
        elif url.path == "/release":
            released.set()
            self.answer(200, "ok")
        elif url.path == "/drop":
            self.send_response(200)
            self.send_header("content-length", "1000000")
            self.end_headers()
            self.wfile.write(b"start")
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
        elif url.path == "/coded":
            coding = query.get("as", ["gzip"])[0]
            text = "".join(f"coded body {i}\n" for i in range(int(query.get("n", ["1"])[0])))
            # mtime=0: the same bytes for the same text, so a test can compare what passed through.
            data = {"gzip": lambda b: gzip.compress(b, mtime=0), "deflate": zlib.compress}.get(coding, lambda _: b"not gzip at all")(text.encode())
            self.answer(200, data, [("content-encoding", "gzip" if coding == "corrupt" else coding),
                                    ("content-type", "text/plain")])
        elif url.path == "/count":
            self.answer(200, str(served - 1))
        else:
            self.answer(404, "no such origin path")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


# A test runner may start children with SIGTERM blocked: take it back, so a stop is quick.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
signal.signal(signal.SIGTERM, signal.SIG_DFL)
server = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
