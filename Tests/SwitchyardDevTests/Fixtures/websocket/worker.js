// WebSocket fixture (WebSocketTests.swift): echoes text and binary messages, closes on request,
// and reports what it saw. Routes (the path's last segment):
//   /echo            accept and echo; "close:<code>:<reason>" closes with that code; "info" answers
//                    with the socket's readyState and the constants; binary messages are echoed
//                    with their length prefixed as text first.
//   /no-upgrade      returns a 101 whatever the request (the edge refuses it when not asked for).
//   /client?url=...  connects to a WebSocket server with fetch(), sends "hello", and answers the
//                    first message it gets back, as JSON.
//   /relay?url=...   a 101 whose server end relays to the socket fetch() opened to `url`.
//   /unaccepted      returns the client end of a pair whose server end is never accepted.
//   /flood           sends 4 MiB a task until the socket closes, and logs "flood-close <code>
//                    <wasClean>" when it does (a client that never reads is dropped at the edge).
let closes = [];
export default {
  async fetch(request) {
    const url = new URL(request.url);
    // The last segment of the path: behind the built-in dispatcher the path starts with the
    // worker's name.
    const route = "/" + url.pathname.split("/").pop();
    if (route === "/echo" || route === "/no-upgrade") {
      if (route === "/echo" && request.headers.get("upgrade") !== "websocket") {
        return new Response("expected a WebSocket", { status: 426 });
      }
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.addEventListener("message", (event) => {
        const data = event.data;
        if (typeof data !== "string") {
          server.send(`binary:${data.byteLength}`);
          server.send(data);
          return;
        }
        if (data.startsWith("close:")) {
          const [, code, reason] = data.split(":");
          server.close(Number(code), reason);
          return;
        }
        if (data === "info") {
          server.send(JSON.stringify({
            readyState: server.readyState, OPEN: WebSocket.OPEN, CLOSED: WebSocket.CLOSED,
            binaryType: server.binaryType, closes,
          }));
          return;
        }
        if (data === "big") {
          try {
            server.send("x".repeat(1024 * 1024 + 1));
          } catch (error) {
            server.send(`refused:${error.name}`);
          }
          return;
        }
        server.send(data);
      });
      server.addEventListener("close", (event) => {
        closes.push([event.code, event.reason, event.wasClean]);
        if (closes.length > 20) closes.shift();
      });
      return new Response(null, { status: 101, webSocket: client, headers: { "x-echo": "1" } });
    }
    if (route === "/closes") {
      return Response.json(closes);
    }
    if (route === "/client" || route === "/relay") {
      const target = url.searchParams.get("url");
      const response = await fetch(target, { headers: { Upgrade: "websocket" } });
      const socket = response.webSocket;
      if (socket === null) return Response.json({ status: response.status, webSocket: null });
      socket.accept();
      if (route === "/relay") {
        const [client, server] = Object.values(new WebSocketPair());
        server.accept();
        server.addEventListener("message", (event) => socket.send(event.data));
        socket.addEventListener("message", (event) => server.send(event.data));
        server.addEventListener("close", (event) => socket.close(event.code === 1005 ? 1000 : event.code, event.reason));
        socket.addEventListener("close", (event) => server.close(event.code === 1005 ? 1000 : event.code, event.reason));
        return new Response(null, { status: 101, webSocket: client });
      }
      const first = new Promise((resolve) => {
        socket.addEventListener("message", (event) => resolve(event.data));
        socket.addEventListener("close", (event) => resolve(`closed:${event.code}`));
      });
      socket.send("hello");
      const message = await first;
      socket.close(1000, "done");
      return Response.json({ status: response.status, message, readyState: socket.readyState });
    }
    if (route === "/flood") {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      const chunk = new Uint8Array(1024 * 1024);
      const pump = () => {
        if (server.readyState !== WebSocket.OPEN) return;
        for (let i = 0; i < 4; i++) server.send(chunk);
        setTimeout(pump, 0);
      };
      server.addEventListener("close", (event) => console.log(`flood-close ${event.code} ${event.wasClean}`));
      setTimeout(pump, 0);
      return new Response(null, { status: 101, webSocket: client });
    }
    if (route === "/unaccepted") {
      const pair = new WebSocketPair();
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    return new Response("not found", { status: 404 });
  },
};
