"""Fuzzes a live `switchyard serve` with schemathesis, driven by the API's own OpenAPI document.

Environment: SY_BASE_URL (…/client/v4), SY_TOKEN, SY_ACCOUNT, SY_DATA_DIR (the server's data directory, for the
stored-data snapshot); FUZZ_MAX_EXAMPLES (default 8), FUZZ_SEED
(default 1).
Creates the fixtures the hooks aim at (namespace `fuzz`, script `w`, a KV namespace, zone `fuzz.example`
with a custom hostname and a fallback origin), then runs
`schemathesis run` (coverage, fuzzing and stateful phases) with every check (schemathesis.toml: the
config-file form of `--checks all`, so that its per-operation settings apply): the built-in ones (no 5xx, status codes, content types, headers and bodies as documented, schema-invalid
requests rejected and valid ones accepted, 405 with `Allow` for undeclared methods, auth enforced,
deleted resources gone...) and ours, a rejected request stores nothing (`nothing_stored_on_rejection`,
in fuzz_hooks.py), so the document and the server cannot drift apart. Exits with schemathesis's status.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

BASE = os.environ["SY_BASE_URL"]
TOKEN = os.environ["SY_TOKEN"]
ACCOUNT = os.environ["SY_ACCOUNT"]
HERE = os.path.dirname(os.path.abspath(__file__))


def call(method, path, body=None, content_type="application/json"):
    request = urllib.request.Request(BASE + path, method=method, data=body,
                                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def fixtures():
    a = "/accounts/" + ACCOUNT
    call("POST", a + "/workers/dispatch/namespaces", json.dumps({"name": "fuzz"}).encode())
    call("POST", a + "/storage/kv/namespaces", json.dumps({"title": "fuzz-kv"}).encode())
    boundary = "fuzzboundary"
    metadata = json.dumps({"main_module": "index.mjs", "tags": ["fuzz"],
                           "bindings": [{"type": "plain_text", "name": "A", "text": "a"}]})
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"index.mjs\"; filename=\"index.mjs\"\r\n"
            f"Content-Type: application/javascript+module\r\n\r\nexport default {{ fetch() {{ return new Response('w') }} }}\r\n"
            f"--{boundary}--\r\n").encode()
    # The same script in the namespace and as an account worker (/accounts/{id}/workers/scripts).
    for scripts in (a + "/workers/dispatch/namespaces/fuzz/scripts", a + "/workers/scripts"):
        call("PUT", scripts + "/w", body, f"multipart/form-data; boundary={boundary}")
        call("PUT", scripts + "/w/secrets", json.dumps({"name": "S", "text": "s", "type": "secret_text"}).encode())
    # A zone with a custom hostname and a fallback origin (fuzz_hooks.py aims zone_id and
    # custom_hostname_id at them).
    zone = call("POST", "/zones", json.dumps({"name": "fuzz.example", "account": {"id": ACCOUNT}}).encode())["result"]
    call("POST", f"/zones/{zone['id']}/custom_hostnames", json.dumps({"hostname": "fuzz.customer.example"}).encode())
    call("PUT", f"/zones/{zone['id']}/custom_hostnames/fallback_origin", json.dumps({"origin": "f.fuzz.example"}).encode())


CONFIG = os.path.join(HERE, "schemathesis.toml")


def disabled_checks():
    """Built-in checks schemathesis.toml leaves off for the run as a whole (there must be none)."""
    try:
        from schemathesis.checks import CHECKS, load_all_checks
        from schemathesis.config import SchemathesisConfig
        load_all_checks()
        checks = SchemathesisConfig.from_path(CONFIG).projects.get_default().checks_config_for()
        return [c.__name__ for c in CHECKS.get_all() if not checks.get_by_name(name=c.__name__).enabled]
    except (ImportError, AttributeError, TypeError) as error:  # another schemathesis version
        print(f"fuzz: cannot list the enabled checks ({error!r}); going on", flush=True)
        return []


def main():
    off = disabled_checks()
    if off:
        print("fuzz: schemathesis.toml must enable every check; off: " + ", ".join(off), flush=True)
        return 1
    fixtures()
    environment = dict(os.environ)
    environment["SCHEMATHESIS_HOOKS"] = "fuzz_hooks"
    environment["PYTHONPATH"] = HERE + os.pathsep + environment.get("PYTHONPATH", "")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", CONFIG,
        "run", BASE + "/openapi.json",
        "--url", BASE,
        "--header", "Authorization: Bearer " + TOKEN,
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", os.environ.get("FUZZ_MAX_EXAMPLES", "8"),
        "--workers", "1",
        "--seed", os.environ.get("FUZZ_SEED", "1"),
        "--generation-database", "none",
        "--request-timeout", "30",
        "--no-color",
        "--suppress-health-check", "all",
        "--warnings", "off",
    ]
    print("$", " ".join(c if "Bearer" not in c else "Authorization: Bearer ***" for c in command), flush=True)
    # schemathesis writes a .schemathesis folder into its working directory: keep it out of the tree.
    with tempfile.TemporaryDirectory() as scratch:
        status = subprocess.call(command, env=environment, cwd=scratch)
    # The run must not have cut off its own access (it would turn the rest into 401s).
    verify = call("GET", "/user/tokens/verify")
    if verify["result"]["status"] != "active":
        print("fuzz: the run's token is no longer active", flush=True)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
