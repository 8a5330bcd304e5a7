#!/usr/bin/env python3
"""The long tail, measured (driven by Benchmarks/density.sh, which starts the servers).

Deploys N distinct hello-world user workers to a running `switchyard serve` (built-in dispatcher,
routing by first path segment), then drives wrk over them round-robin and in a Zipf-like mix, and
a single hot worker, sampling the server's RSS every second. Reports requests/s, p50 / p99,
cold starts per second, warm hit rate (requests that found a warm isolate), RSS over time and RSS
per warm isolate, from GET /client/v4/switchyard/isolates and /proc.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import subprocess
import threading
import time
import uuid


def api(args, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", args.api_port, timeout=120)
    all_headers = {"Authorization": f"Bearer {args.token}"}
    all_headers.update(headers or {})
    connection.request(method, "/client/v4" + path, body=body, headers=all_headers)
    response = connection.getresponse()
    payload = json.loads(response.read() or b"{}")
    connection.close()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {payload}")
    return payload["result"]


def deploy(args, account, index):
    name = f"w{index}"
    source = (
        f'export default {{ fetch() {{ return new Response("Hello from {name}\\n", '
        '{ headers: { "content-type": "text/plain;charset=UTF-8" } }); } };\n'
    )
    boundary = uuid.uuid4().hex
    metadata = json.dumps({"main_module": "worker.js"})
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{metadata}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"worker.js\"; filename=\"worker.js\"\r\n"
        f"Content-Type: application/javascript+module\r\n\r\n{source}\r\n--{boundary}--\r\n"
    ).encode()
    api(args, "PUT", f"/accounts/{account}/workers/dispatch/namespaces/default/scripts/{name}", body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def mappings(pid):
    with open(f"/proc/{pid}/maps") as maps:
        return sum(1 for _ in maps)


class RSSSampler:
    """The server's RSS every second, from now until stop()."""

    def __init__(self, pid):
        self.pid, self.samples, self.running = pid, [], True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        start = time.time()
        while self.running:
            self.samples.append((time.time() - start, rss_mb(self.pid)))
            time.sleep(1)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.samples


LUA = """
local n = {count}
local mode = "{mode}"
local cdf = {{}}
if mode == "zipf" then
  local total = 0
  for i = 1, n do total = total + 1 / i end
  local acc = 0
  for i = 1, n do acc = acc + (1 / i) / total; cdf[i] = acc end
end
local counter = 0
function setup(thread) thread:set("offset", math.random(n)) end
function init(args) counter = offset or 0; math.randomseed(os.time() + (offset or 0)) end
local function pick()
  if mode == "zipf" then
    local r, lo, hi = math.random(), 1, n
    while lo < hi do local mid = math.floor((lo + hi) / 2); if cdf[mid] < r then lo = mid + 1 else hi = mid end end
    return lo - 1
  elseif mode == "hot" then
    return 0
  end
  counter = (counter + 1) % n
  return counter
end
function request() return wrk.format("GET", "/w" .. pick() .. "/") end
"""


def run_wrk(args, mode, seconds, connections):
    script = os.path.join(args.work, f"{mode}.lua")
    with open(script, "w") as file:
        file.write(LUA.format(count=args.workers, mode=mode))
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
         f"http://127.0.0.1:{args.edge_port}/"], capture_output=True, text=True, check=True).stdout

    def latency(label):
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Socket errors: (.*)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50%"), "p99": latency("99%"), "requests": requests,
        "failed": (int(non2xx.group(1)) if non2xx else 0),
        "socket_errors": errors.group(1) if errors else "none",
    }


def phase(args, mode, seconds, connections):
    before = api(args, "GET", "/switchyard/isolates")
    sampler = RSSSampler(args.pid)
    result = run_wrk(args, mode, seconds, connections)
    samples = sampler.stop()
    after = api(args, "GET", "/switchyard/isolates")
    cold = after["cold_starts"] - before["cold_starts"]
    result.update({
        "mode": mode, "cold_per_s": cold / seconds, "hit_rate": 1 - cold / max(1, result["requests"]),
        "evictions": after["evictions"] - before["evictions"], "isolates": after["isolates"],
        "resident_mb": after["resident_bytes"] / 1048576, "rss_max": max(r for _, r in samples),
        "rss_end": samples[-1][1], "rss_series": [round(r) for _, r in samples],
    })
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-port", type=int, required=True)
    parser.add_argument("--edge-port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--workers", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--budget-mb", type=int, required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()

    account = api(args, "GET", "/accounts")[0]["id"]
    baseline_rss = rss_mb(args.pid)
    baseline_maps = mappings(args.pid)
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda index: deploy(args, account, index), range(args.workers)))
    print(f"deployed {args.workers} workers in {time.time() - started:.0f} s")

    # First contact: every worker once, the catalog's store read and the isolate's cold start
    # (the edge caches a script after its first request; the runs below measure the isolates).
    started = time.time()
    def first(index):
        connection = http.client.HTTPConnection("127.0.0.1", args.edge_port, timeout=60)
        connection.request("GET", f"/w{index}/")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answered = sum(pool.map(first, range(args.workers)))
    first_contact = time.time() - started
    print(f"first request to each worker (store read + cold start): {args.workers / first_contact:.0f} workers/s, "
          f"{answered} of {args.workers} answered 200")

    rows = [phase(args, "round-robin", args.seconds, 32)]
    busy_rss = rss_mb(args.pid)
    warm = api(args, "GET", "/switchyard/isolates")
    idle_rss = rss_mb(args.pid)
    per_isolate = (idle_rss - baseline_rss) / max(1, warm["isolates"])
    per_isolate_maps = (mappings(args.pid) - baseline_maps) / max(1, warm["isolates"])
    rows.append(phase(args, "zipf", args.seconds, 32))
    rows.append(phase(args, "hot", args.seconds, 32))

    print(f"budget {args.budget_mb} MB; {warm['isolates']} warm isolates after the round-robin run: "
          f"RSS {idle_rss:.0f} MB, {per_isolate:.2f} MB and {per_isolate_maps:.1f} memory mappings per warm isolate "
          f"(server RSS {baseline_rss:.0f} MB before the workers, {busy_rss:.0f} MB right after the run)")
    print(f"{'mix':<12} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'cold/s':>7} {'warm hit':>8} "
          f"{'evicted':>8} {'isolates':>8} {'RSS max':>8} {'failed':>6}  socket errors")
    for row in rows:
        print(f"{row['mode']:<12} {row['rps']:8.0f} {row['p50']:7.2f} {row['p99']:7.2f} {row['cold_per_s']:7.0f} "
              f"{row['hit_rate']:8.1%} {row['evictions']:8d} {row['isolates']:8d} {row['rss_max']:7.0f}M "
              f"{row['failed']:6d}  {row['socket_errors']}")
    for row in rows:
        print(f"RSS over time ({row['mode']}, MB each second): {' '.join(map(str, row['rss_series']))}")
    ceiling = args.budget_mb + 300 + baseline_rss
    worst = max(row["rss_max"] for row in rows)
    print(f"RSS ceiling (budget + 300 MB + the server's own {baseline_rss:.0f} MB): {ceiling:.0f} MB; "
          f"highest seen {worst:.0f} MB: {'within' if worst <= ceiling else 'ABOVE'}")
    with open(os.path.join(args.work, "density.json"), "w") as file:
        json.dump(rows, file)


if __name__ == "__main__":
    main()
