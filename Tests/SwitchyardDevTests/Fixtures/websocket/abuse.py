"""What hostile WebSocket clients do to worker.js at BASE (an http:// URL), for WebSocketTests.swift.

    python3 abuse.py stall BASE   opens /flood with a raw socket, prints the status line of the
                                  answer and then never reads, until its standard input closes.
    python3 abuse.py pings BASE   a Ping flood on /echo: answered for a client that reads (every
                                  Pong comes back, the socket still echoes, another one serves
                                  meanwhile), bounded for one that does not (the server drops it);
                                  prints one JSON object of what it saw.
"""
import asyncio
import base64
import json
import os
import socket
import struct
import sys
import urllib.parse

import websockets

MODE, BASE = sys.argv[1], sys.argv[2]
WS = "ws" + BASE[len("http"):]
ADDRESS = urllib.parse.urlsplit(BASE)


def upgraded_socket(path):
    """A raw connection that asked for a WebSocket on `path`, with a small receive buffer (so the
    server's writes back up soon), and the answer's status line; nothing past the head is read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((ADDRESS.hostname, ADDRESS.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {ADDRESS.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            break
        head += byte
    return sock, head.split(b"\r\n")[0].decode()


def stall():
    sock, status = upgraded_socket("/flood")
    print(status, flush=True)
    sys.stdin.read()
    sock.close()


def ping_frame(payload):
    """A masked Ping (RFC 6455 §5.5.2) of up to 125 bytes."""
    mask = os.urandom(4)
    return bytes([0x89, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def pings():
    seen = {}
    async with websockets.connect(WS + "/echo") as other, websockets.connect(WS + "/echo") as ws:
        waiters = [await ws.ping(struct.pack(">I", i) + b"p" * 100) for i in range(2000)]
        await other.send("meanwhile")
        seen["other"] = await other.recv()
        await asyncio.gather(*waiters)
        seen["pongs"] = len(waiters)
        await ws.send("after")
        seen["after"] = await ws.recv()
    # 300,000 Pings of 125 bytes ask for 37 MB of Pongs, which this client never reads.
    sock, status = upgraded_socket("/echo")
    seen["raw_status"] = status
    frame = ping_frame(b"q" * 125)
    sent = 0
    try:
        for _ in range(300):
            sock.sendall(frame * 1000)
            sent += 1000
    except (BrokenPipeError, ConnectionResetError):
        pass
    # Whatever Pongs made it into the buffers, then the end of the connection.
    received = 0
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += len(chunk)
    except ConnectionResetError:
        pass
    sock.close()
    seen["dropped"] = sent < 300000 or received < 300000 * 127
    async with websockets.connect(WS + "/echo") as ws:
        await ws.send("alive")
        seen["alive"] = await ws.recv()
    return seen


if MODE == "stall":
    stall()
else:
    print(json.dumps(asyncio.run(pings())))
