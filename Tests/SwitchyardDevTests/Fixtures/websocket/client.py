"""The WebSocket tests' real client (the `websockets` package): drives worker.js at BASE (an
http:// URL whose path prefix, if any, routes to the worker) and prints one JSON object of what
it saw. ECHO is the ws:// URL of echo_server.py, for the worker's own client sockets.

    python3 client.py BASE ECHO
"""
import asyncio
import json
import sys
import urllib.error
import urllib.request

import websockets

BASE, ECHO = sys.argv[1], sys.argv[2]
WS = "ws" + BASE[len("http"):]


def closed(error):
    return [error.rcvd.code, error.rcvd.reason] if error.rcvd else None


async def scenario():
    seen = {}
    async with websockets.connect(WS + "/echo", max_size=None) as ws:
        seen["response_header"] = ws.response.headers.get("x-echo")
        await ws.send("hello")
        seen["text"] = await ws.recv()
        await ws.send(bytes([0, 1, 2, 255]))
        seen["binary"] = [await ws.recv(), list(await ws.recv())]
        await ws.send(["frag", "mented", "!"])
        seen["fragmented"] = await ws.recv()
        pong = await ws.ping(b"abc")
        await pong
        seen["pong"] = True
        await ws.send("big")
        seen["big_send"] = await ws.recv()
        await ws.send(b"x" * (1024 * 1024))
        seen["at_limit"] = [await ws.recv(), len(await ws.recv())]
        await ws.send("info")
        seen["info"] = json.loads(await ws.recv())
        await ws.send("close:4001:server-bye")
        try:
            await ws.recv()
        except websockets.ConnectionClosed as error:
            seen["server_close"] = closed(error)
    async with websockets.connect(WS + "/echo") as ws:
        await ws.send("one")
        await ws.recv()
        await ws.close(code=4002, reason="client-bye")
        seen["client_close"] = [ws.close_code, ws.close_reason]
    async with websockets.connect(WS + "/echo", max_size=None) as ws:
        await ws.send(b"x" * (1024 * 1024 + 1))
        try:
            await ws.recv()
        except websockets.ConnectionClosed as error:
            seen["oversized"] = closed(error)
    with urllib.request.urlopen(BASE + "/closes") as reply:
        seen["closes"] = json.loads(reply.read())
    try:
        urllib.request.urlopen(BASE + "/no-upgrade")
    except urllib.error.HTTPError as error:
        seen["no_upgrade"] = [error.code, b"Error 1101" in error.read()]
    try:
        async with websockets.connect(WS + "/missing"):
            pass
    except websockets.InvalidStatus as error:
        seen["missing"] = error.response.status_code
    try:
        async with websockets.connect(WS + "/unaccepted") as ws:
            await ws.send("anyone?")
            await asyncio.wait_for(ws.recv(), 10)
    except websockets.ConnectionClosed as error:
        seen["unaccepted"] = "closed"
    except asyncio.TimeoutError:
        seen["unaccepted"] = "no answer"
    with urllib.request.urlopen(BASE + "/client?url=" + ECHO) as reply:
        seen["client"] = json.loads(reply.read())
    async with websockets.connect(WS + "/relay?url=" + ECHO) as ws:
        await ws.send("through")
        seen["relay"] = await ws.recv()
        await ws.close(code=1000)
    return seen


print(json.dumps(asyncio.run(scenario())))
