"""What the SDK test scripts share: the client for the server in the environment, checks that
report and go on, and the summary line LiveServer.runPython's callers look for.

Environment: SY_BASE_URL (…/client/v4), SY_TOKEN (admin token), SY_ACCOUNT (account id).
"""
import os
import sys
import traceback

import cloudflare

BASE = os.environ["SY_BASE_URL"]
TOKEN = os.environ["SY_TOKEN"]
ACCOUNT = os.environ["SY_ACCOUNT"]
client = cloudflare.Cloudflare(api_token=TOKEN, base_url=BASE, max_retries=0)
results = {"passed": 0, "failed": 0}


def check(fn):
    """Runs `fn` now as one check: prints "ok name" or "FAIL name" and the traceback."""
    try:
        fn()
        results["passed"] += 1
        print(f"ok {fn.__name__}")
    except Exception:  # noqa: BLE001 - report and continue
        results["failed"] += 1
        print(f"FAIL {fn.__name__}")
        traceback.print_exc()
    return fn


def expect_status(status, call):
    """Expects `call` to fail with HTTP `status`; returns the SDK's error."""
    try:
        call()
    except cloudflare.APIStatusError as error:
        assert error.status_code == status, f"expected {status}, got {error.status_code}: {error}"
        return error
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


def expect_error(status, code, call):
    """Expects `call` to fail with HTTP `status` and envelope error `code`; returns its message."""
    try:
        call()
    except cloudflare.APIStatusError as error:
        assert error.status_code == status, f"expected {status}, got {error.status_code}: {error}"
        errors = error.body.get("errors", []) if isinstance(error.body, dict) else []
        assert errors and errors[0]["code"] == code, errors
        return errors[0]["message"]
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


def finish():
    """Prints "N passed, N failed" and exits non-zero on any failure."""
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)
