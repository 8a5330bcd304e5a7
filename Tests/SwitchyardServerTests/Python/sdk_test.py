"""Drives a live `switchyard serve` with the official Cloudflare Python SDK (`pip install cloudflare`).

Environment: SY_BASE_URL (…/client/v4), SY_TOKEN (admin token), SY_ACCOUNT (account id).
Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
"""
import cloudflare

from sdk_support import ACCOUNT, BASE, check, client, expect_status, finish

wfp = client.workers_for_platforms.dispatch.namespaces

HELLO = b"export default { fetch() { return new Response('hello') } }"


def upload(name, source=HELLO, ns="sdk", **metadata):
    metadata.setdefault("main_module", "index.mjs")
    return wfp.scripts.update(
        name, account_id=ACCOUNT, dispatch_namespace=ns, metadata=metadata,
        files=[("index.mjs", source, "application/javascript+module")])


@check
def accounts_and_verify():
    accounts = list(client.accounts.list())  # the SDK pages until an empty page
    assert [a.id for a in accounts] == [ACCOUNT], accounts
    assert client.user.tokens.verify().status == "active"


@check
def namespaces():
    created = wfp.create(account_id=ACCOUNT, name="sdk")
    assert created.namespace_name == "sdk" and created.namespace_id
    generated = wfp.create(account_id=ACCOUNT)
    assert generated.namespace_name
    names = [n.namespace_name for n in wfp.list(account_id=ACCOUNT)]
    assert "sdk" in names and generated.namespace_name in names, names
    got = wfp.get("sdk", account_id=ACCOUNT)
    assert got.script_count == 0 and got.trusted_workers is False
    wfp.delete(generated.namespace_name, account_id=ACCOUNT)
    expect_status(404, lambda: wfp.get(generated.namespace_name, account_id=ACCOUNT))


@check
def upload_get_and_versions():
    result = upload("hello", tags=["customer-1", "free"], compatibility_date="2025-06-01",
                    bindings=[{"type": "plain_text", "name": "GREETING", "text": "hi"}])
    assert result.id == "hello" and result.etag and result.startup_time_ms is not None
    script = wfp.scripts.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk")
    assert script.dispatch_namespace == "sdk" and script.script.id == "hello"
    assert script.script.tags == ["customer-1", "free"]
    assert wfp.get("sdk", account_id=ACCOUNT).script_count == 1


@check
def syntax_error_is_a_400_and_keeps_the_previous_version():
    before = wfp.scripts.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk").script.etag
    error = expect_status(400, lambda: upload("hello", source=b"export default {"))
    assert "index.mjs:" in str(error) and "SyntaxError" in str(error), str(error)
    after = wfp.scripts.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk").script.etag
    assert before == after


@check
def content():
    body = wfp.scripts.content.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk")
    assert body.read() == HELLO
    updated = wfp.scripts.content.update(
        "hello", account_id=ACCOUNT, dispatch_namespace="sdk", metadata={"main_module": "index.mjs"},
        files=[("index.mjs", b"export default { fetch() { return new Response('v2') } }", "application/javascript+module")])
    assert updated.id == "hello"
    assert b"v2" in wfp.scripts.content.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk").read()


@check
def settings_and_bindings():
    settings = wfp.scripts.settings.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk")
    assert settings.compatibility_date == "2025-06-01"
    edited = wfp.scripts.settings.edit(
        "hello", account_id=ACCOUNT, dispatch_namespace="sdk",
        settings={"logpush": True, "limits": {"cpu_ms": 50}, "observability": {"enabled": True}})
    assert edited.logpush is True and edited.limits.cpu_ms == 50
    bindings = wfp.scripts.bindings.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk")
    assert [b.name for b in bindings] == ["GREETING"], bindings


@check
def secrets():
    put = wfp.scripts.secrets.update(
        "hello", account_id=ACCOUNT, dispatch_namespace="sdk", name="API_KEY", text="s3cr3t", type="secret_text")
    assert put.name == "API_KEY"
    listed = list(wfp.scripts.secrets.list("hello", account_id=ACCOUNT, dispatch_namespace="sdk"))
    assert [s.name for s in listed] == ["API_KEY"]
    got = wfp.scripts.secrets.get("API_KEY", account_id=ACCOUNT, dispatch_namespace="sdk", script_name="hello")
    assert got.name == "API_KEY"
    bindings = wfp.scripts.bindings.get("hello", account_id=ACCOUNT, dispatch_namespace="sdk")
    assert "s3cr3t" not in str(bindings)
    wfp.scripts.secrets.delete("API_KEY", account_id=ACCOUNT, dispatch_namespace="sdk", script_name="hello")
    assert list(wfp.scripts.secrets.list("hello", account_id=ACCOUNT, dispatch_namespace="sdk")) == []


@check
def tags():
    assert list(wfp.scripts.tags.list("hello", account_id=ACCOUNT, dispatch_namespace="sdk")) == ["customer-1", "free"]
    replaced = list(wfp.scripts.tags.update("hello", account_id=ACCOUNT, dispatch_namespace="sdk", body=["a", "b"]))
    assert replaced == ["a", "b"], replaced
    wfp.scripts.tags.delete("a", account_id=ACCOUNT, dispatch_namespace="sdk", script_name="hello")
    assert list(wfp.scripts.tags.list("hello", account_id=ACCOUNT, dispatch_namespace="sdk")) == ["b"]
    expect_status(400, lambda: wfp.scripts.tags.update(
        "hello", account_id=ACCOUNT, dispatch_namespace="sdk", body=[f"t{i}" for i in range(9)]))


@check
def kv_d1_r2():
    kv = client.kv.namespaces.create(account_id=ACCOUNT, title="sdk-cache")
    assert kv.title == "sdk-cache"
    assert "sdk-cache" in [n.title for n in client.kv.namespaces.list(account_id=ACCOUNT)]  # pages to the end
    client.kv.namespaces.update(kv.id, account_id=ACCOUNT, title="sdk-cache-2")
    assert client.kv.namespaces.get(kv.id, account_id=ACCOUNT).title == "sdk-cache-2"

    db = client.d1.database.create(account_id=ACCOUNT, name="sdk-db")
    assert db.uuid and client.d1.database.get(db.uuid, account_id=ACCOUNT).name == "sdk-db"
    assert "sdk-db" in [d.name for d in client.d1.database.list(account_id=ACCOUNT)]

    bucket = client.r2.buckets.create(account_id=ACCOUNT, name="sdk-bucket")
    assert bucket.name == "sdk-bucket"
    assert "sdk-bucket" in [b.name for b in client.r2.buckets.list(account_id=ACCOUNT).buckets]

    bound = upload("bound", bindings=[
        {"type": "kv_namespace", "name": "KV", "namespace_id": kv.id},
        {"type": "d1", "name": "DB", "id": db.uuid},
        {"type": "r2_bucket", "name": "R2", "bucket_name": "sdk-bucket"},
    ])
    assert bound.id == "bound"
    expect_status(400, lambda: upload("unbound", bindings=[{"type": "kv_namespace", "name": "KV", "namespace_id": "missing"}]))

    client.r2.buckets.delete("sdk-bucket", account_id=ACCOUNT)
    client.d1.database.delete(db.uuid, account_id=ACCOUNT)
    client.kv.namespaces.delete(kv.id, account_id=ACCOUNT)
    assert "sdk-bucket" not in [b.name for b in (client.r2.buckets.list(account_id=ACCOUNT).buckets or [])]


@check
def tokens_read_and_write():
    groups = {g.name: g.id for g in client.accounts.tokens.permission_groups.list(account_id=ACCOUNT)}
    read = client.accounts.tokens.create(
        account_id=ACCOUNT, name="sdk-reader",
        policies=[{"effect": "allow", "permission_groups": [{"id": groups["Workers Scripts Read"]}],
                   "resources": {f"com.cloudflare.api.account.{ACCOUNT}": "*"}}])
    reader = cloudflare.Cloudflare(api_token=read.value, base_url=BASE, max_retries=0)
    assert [n.namespace_name for n in reader.workers_for_platforms.dispatch.namespaces.list(account_id=ACCOUNT)]
    expect_status(403, lambda: reader.workers_for_platforms.dispatch.namespaces.create(account_id=ACCOUNT, name="nope"))
    assert read.id in [t.id for t in client.accounts.tokens.list(account_id=ACCOUNT)]
    client.accounts.tokens.delete(read.id, account_id=ACCOUNT)
    expect_status(401, lambda: reader.workers_for_platforms.dispatch.namespaces.list(account_id=ACCOUNT))
    nobody = cloudflare.Cloudflare(api_token="not-a-token", base_url=BASE, max_retries=0)
    expect_status(401, lambda: nobody.workers_for_platforms.dispatch.namespaces.list(account_id=ACCOUNT))


@check
def delete_script_and_namespace():
    wfp.scripts.delete("bound", account_id=ACCOUNT, dispatch_namespace="sdk", force=True)
    expect_status(404, lambda: wfp.scripts.get("bound", account_id=ACCOUNT, dispatch_namespace="sdk"))


finish()
