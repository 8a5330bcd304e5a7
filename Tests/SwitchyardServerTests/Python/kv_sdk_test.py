"""The KV data API driven by the official Cloudflare Python SDK against a live `switchyard serve`,
and the same data read and written by a user worker's binding.

Environment: SY_BASE_URL (…/client/v4), SY_TOKEN (admin token), SY_ACCOUNT (account id),
SY_EDGE (the edge's base URL), SY_NAMESPACE (a KV namespace id bound as env.KV to the worker
`kvsdk`, served by the built-in dispatcher at http://kvsdk.localhost).
Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
"""
import json
import os
import time
import urllib.request

from sdk_support import ACCOUNT, check, client, expect_status, finish

EDGE = os.environ["SY_EDGE"]
NAMESPACE = os.environ["SY_NAMESPACE"]
kv = client.kv.namespaces


def worker(path):
    """What the bound worker answers for `path` (it reads env.KV)."""
    request = urllib.request.Request(EDGE + path, headers={"Host": "kvsdk.localhost"})
    with urllib.request.urlopen(request) as response:
        return response.read().decode()


@check
def values_round_trip():
    kv.values.update("greeting", account_id=ACCOUNT, namespace_id=NAMESPACE, value=b"hello", metadata={"lang": "en"})
    assert kv.values.get("greeting", account_id=ACCOUNT, namespace_id=NAMESPACE).text() == "hello"
    assert kv.metadata.get("greeting", account_id=ACCOUNT, namespace_id=NAMESPACE) == {"lang": "en"}
    # The worker's binding reads what the API wrote, metadata included.
    assert json.loads(worker("/get?key=greeting")) == {"value": "hello", "metadata": {"lang": "en"}}


@check
def keys_with_special_characters():
    for key in ["a/b", "sp ace", "q?x=1", "pct%41", "é"]:
        kv.values.update(key, account_id=ACCOUNT, namespace_id=NAMESPACE, value=f"v:{key}".encode())
        assert kv.values.get(key, account_id=ACCOUNT, namespace_id=NAMESPACE).text() == f"v:{key}", key


@check
def binary_values():
    data = bytes(range(256))
    kv.values.update("binary", account_id=ACCOUNT, namespace_id=NAMESPACE, value=data)
    assert kv.values.get("binary", account_id=ACCOUNT, namespace_id=NAMESPACE).read() == data


@check
def what_the_worker_writes_the_api_reads():
    assert worker("/put?key=from-worker&value=written") == "ok"
    assert kv.values.get("from-worker", account_id=ACCOUNT, namespace_id=NAMESPACE).text() == "written"


@check
def expiration():
    kv.values.update("ttl", account_id=ACCOUNT, namespace_id=NAMESPACE, value=b"x", expiration_ttl=120)
    keys = {k.name: k for k in kv.keys.list(NAMESPACE, account_id=ACCOUNT, prefix="ttl")}
    assert abs(keys["ttl"].expiration - (time.time() + 120)) < 30, keys
    error = expect_status(400, lambda: kv.values.update(
        "ttl", account_id=ACCOUNT, namespace_id=NAMESPACE, value=b"x", expiration_ttl=10))
    assert "Expiration TTL must be at least 60" in str(error), error


@check
def list_pages_with_cursors():
    kv.bulk_update(NAMESPACE, account_id=ACCOUNT, body=[{"key": f"page/{i:03}", "value": str(i)} for i in range(25)])
    names = [k.name for k in kv.keys.list(NAMESPACE, account_id=ACCOUNT, prefix="page/", limit=10)]
    assert names == [f"page/{i:03}" for i in range(25)], names
    first = kv.keys.list(NAMESPACE, account_id=ACCOUNT, prefix="page/", limit=10)
    assert len(first.result) == 10 and first.result_info.cursor, first.result_info


@check
def bulk_write_get_and_delete():
    result = kv.bulk_update(NAMESPACE, account_id=ACCOUNT, body=[
        {"key": "bulk1", "value": "one", "metadata": {"n": 1}},
        {"key": "bulk2", "value": "dHdv", "base64": True},
        {"key": "bulk3", "value": '{"three": 3}'},
    ])
    assert result.successful_key_count == 3, result
    assert kv.values.get("bulk2", account_id=ACCOUNT, namespace_id=NAMESPACE).text() == "two"
    got = kv.bulk_get(NAMESPACE, account_id=ACCOUNT, keys=["bulk1", "bulk3", "none"])
    assert got.values == {"bulk1": "one", "bulk3": '{"three": 3}', "none": None}, got
    typed = kv.bulk_get(NAMESPACE, account_id=ACCOUNT, keys=["bulk3"], type="json", with_metadata=True)
    assert typed.values["bulk3"].value == {"three": 3}, typed
    deleted = kv.bulk_delete(NAMESPACE, account_id=ACCOUNT, body=["bulk1", "bulk2", "never"])
    assert deleted.successful_key_count == 3, deleted
    expect_status(404, lambda: kv.values.get("bulk1", account_id=ACCOUNT, namespace_id=NAMESPACE))


@check
def delete_and_missing_keys():
    kv.values.delete("greeting", account_id=ACCOUNT, namespace_id=NAMESPACE)
    error = expect_status(404, lambda: kv.values.get("greeting", account_id=ACCOUNT, namespace_id=NAMESPACE))
    assert "key not found" in str(error), error
    expect_status(404, lambda: kv.metadata.get("greeting", account_id=ACCOUNT, namespace_id=NAMESPACE))
    assert json.loads(worker("/get?key=greeting")) == {"value": None, "metadata": None}


@check
def limits_in_cloudflares_words():
    error = expect_status(414, lambda: kv.values.update("k" * 513, account_id=ACCOUNT, namespace_id=NAMESPACE, value=b"x"))
    assert "exceeds key length limit of 512" in str(error), error
    error = expect_status(413, lambda: kv.values.update(
        "meta", account_id=ACCOUNT, namespace_id=NAMESPACE, value=b"x", metadata={"m": "x" * 1100}))
    assert "Metadata length of" in str(error), error
    # The SDK itself refuses the key "..", which the binding's test covers.


@check
def other_namespaces_and_accounts_are_not_reachable():
    expect_status(404, lambda: kv.values.get("x", account_id=ACCOUNT, namespace_id="0" * 32))
    expect_status(403, lambda: kv.values.get("x", account_id="f" * 32, namespace_id=NAMESPACE))


finish()
