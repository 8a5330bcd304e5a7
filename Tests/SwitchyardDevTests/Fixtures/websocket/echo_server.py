"""A WebSocket echo server on loopback for WebSocketTests.swift: prints its port, then echoes every
message prefixed with "echo:" (binary messages unchanged). Exits when its standard input closes."""
import asyncio
import sys

import websockets


async def echo(connection):
    try:
        async for message in connection:
            await connection.send("echo:" + message if isinstance(message, str) else message)
    except websockets.ConnectionClosed:
        pass


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
