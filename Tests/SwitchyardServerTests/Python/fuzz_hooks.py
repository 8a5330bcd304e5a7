"""Schemathesis hooks for fuzzing a live `switchyard serve` (loaded through SCHEMATHESIS_HOOKS).

- Path parameters point at the real account and, most of the time, at the fixture namespace
  `fuzz` and its script `w`, and at the zone `fuzz.example` and its custom hostname, so the fuzzer
  reaches past the 404s. Operations that delete or
  rename them, or revoke the token the run uses, never get those: `before_call` checks every
  request again, since schemathesis also reuses values it saw in responses (with all checks on,
  it once revoked its own token that way and spent the rest of the run on 401s).
- The check `nothing_stored_on_rejection` snapshots the account's state before every mutating
  request and fails when a request answered with 4xx changed it: what the API lists, and what
  the data stores hold (KV entries, D1 rows, R2 objects and their files: stored_data.py reads the
  data directory `SY_DATA_DIR`).
"""
import atexit
import collections
import json
import os
import random
import re
import urllib.request

import schemathesis

from stored_data import stored_data

BASE = os.environ["SY_BASE_URL"]
TOKEN = os.environ["SY_TOKEN"]
ACCOUNT = os.environ["SY_ACCOUNT"]
DATA_DIR = os.environ.get("SY_DATA_DIR")
NS = "fuzz"
SCRIPT = "w"
# The patterns openapi.json gives these path parameters.
ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")
NAME = re.compile(r"[a-z0-9_-]{1,63}")
RNG = random.Random(1)


def get(path):
    request = urllib.request.Request(BASE + path, headers={"Authorization": "Bearer " + TOKEN})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return {"status": error.code}


def get_all_pages(path, per_page):
    """Every page of a paged list (`per_page` at most the list's documented maximum)."""
    pages = []
    page = 1
    while True:
        reply = get(f"{path}?per_page={per_page}&page={page}")
        pages.append(reply)
        info = reply.get("result_info") if isinstance(reply, dict) else None
        if not info or page >= info.get("total_pages", 0):
            return pages
        page += 1


ZONE = get("/zones?name=fuzz.example")["result"][0]["id"]
HOSTNAME_ID = get(f"/zones/{ZONE}/custom_hostnames?hostname=fuzz.customer.example")["result"][0]["id"]


def snapshot():
    a = "/accounts/" + ACCOUNT
    z = "/zones/" + ZONE
    s = a + "/workers/dispatch/namespaces/" + NS + "/scripts/" + SCRIPT
    own = a + "/workers/scripts/" + SCRIPT  # the account worker of the same name
    paths = [
        a + "/workers/dispatch/namespaces",
        a + "/workers/dispatch/namespaces/" + NS + "/scripts",
        a + "/workers/scripts",
    ]
    for script in (s, own):
        paths += [script + "/versions?per_page=1000", script + "/secrets", script + "/tags", script + "/settings"]
    paths += [
        a + "/storage/kv/namespaces?per_page=1000",
        a + "/d1/database?per_page=10000",
        a + "/r2/buckets",
        "/zones?per_page=50",
        z + "/custom_hostnames/fallback_origin",
    ]
    state = {path: get(path) for path in paths}
    state["/user/tokens"] = get_all_pages("/user/tokens", 50)  # at most 50 a page
    state[z + "/custom_hostnames"] = [_without_validation(page) for page in get_all_pages(z + "/custom_hostnames", 50)]
    if DATA_DIR:
        state["stored data (KV, D1, R2)"] = stored_data(DATA_DIR)
    return state


def _without_validation(reply):
    """A page of custom hostnames without what the server's validator changes on its own
    (`status`, `verification_errors`, `ssl`'s progress): a request did not change those."""
    for host in (reply.get("result") or []) if isinstance(reply, dict) else []:
        if isinstance(host, dict):
            host.pop("status", None)
            host.pop("verification_errors", None)
            if isinstance(host.get("ssl"), dict):
                for key in ("status", "validation_records", "validation_errors"):
                    host["ssl"].pop(key, None)
    return reply


def _destructive(operation):
    method = operation.method.upper()
    path = operation.path
    if path.endswith("/namespaces/{namespace}") and method in ("PUT", "PATCH", "DELETE"):
        return True
    if path.endswith("/scripts") and method == "DELETE":
        return True
    if path.endswith("/scripts/{script}") and method == "DELETE":
        return True
    if method == "DELETE" and (path.endswith("/zones/{zone_id}") or "/custom_hostnames" in path):
        return True
    return False


TOKEN_ID = get("/user/tokens/verify")["result"]["id"]


def _protect(operation, path_parameters):
    """Keeps the run's token and, from destructive operations, the fixtures out of `path_parameters`."""
    if path_parameters.get("token_id") == TOKEN_ID:
        path_parameters["token_id"] = "0" * 32
    if operation is not None and _destructive(operation):
        if path_parameters.get("namespace") == NS:
            path_parameters["namespace"] = NS + "-other"
        if path_parameters.get("script") == SCRIPT:
            path_parameters["script"] = SCRIPT + "-other"
        if path_parameters.get("zone_id") == ZONE:
            path_parameters["zone_id"] = "0" * 32
        if path_parameters.get("custom_hostname_id") == HOSTNAME_ID:
            path_parameters["custom_hostname_id"] = "other"
        return True
    return False


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if path_parameters is None:
        return path_parameters
    # A value that breaks its pattern is a negative case schemathesis made on purpose: left as it
    # is, so the request stays one the server must reject (rewriting it into the fixture's would
    # make a request valid that schemathesis still expects to be refused).
    if "account_id" in path_parameters and ACCOUNT_ID.fullmatch(str(path_parameters["account_id"])):
        path_parameters["account_id"] = ACCOUNT
    if _protect(context.operation, path_parameters):
        return path_parameters
    if "namespace" in path_parameters and NAME.fullmatch(str(path_parameters["namespace"])) and RNG.random() < 0.7:
        path_parameters["namespace"] = NS
    if "script" in path_parameters and NAME.fullmatch(str(path_parameters["script"])) and RNG.random() < 0.7:
        path_parameters["script"] = SCRIPT
    if "zone_id" in path_parameters and RNG.random() < 0.7:
        path_parameters["zone_id"] = ZONE
    if "custom_hostname_id" in path_parameters and RNG.random() < 0.7:
        path_parameters["custom_hostname_id"] = HOSTNAME_ID
    return path_parameters


_before = {}
STATS = collections.Counter()


@atexit.register
def _report():
    # fuzz_api.py and the Swift test read this line: it shows the hooks ran and what they reached.
    print("fuzz-stats: " + json.dumps(dict(sorted(STATS.items()))), flush=True)


@schemathesis.hook
def after_call(context, case, response):
    STATS["responses"] += 1
    STATS[f"status_{response.status_code // 100}xx"] += 1
    if "/namespaces/fuzz/scripts/w" in case.formatted_path and response.status_code < 300:
        STATS["fixture_script_2xx"] += 1


@schemathesis.hook
def before_call(context, case, kwargs):
    # Again here, for every request of every phase: values schemathesis reuses from responses
    # (the token's own id from GET /user/tokens, say) do not all pass through map_path_parameters.
    if case.path_parameters:
        _protect(case.operation, case.path_parameters)
    if case.method.upper() != "GET":
        _before.clear()
        _before[id(case)] = snapshot()


@schemathesis.check
def nothing_stored_on_rejection(ctx, response, case):
    before = _before.pop(id(case), None)
    if before is None or response.status_code < 400:
        return None
    STATS["rejected_mutations_checked"] += 1
    after = snapshot()
    changed = [path for path in before if before[path] != after[path]]
    if changed:
        raise AssertionError(
            f"{case.method} {case.formatted_path} was rejected with {response.status_code} but changed: {', '.join(changed)}")
    return None
