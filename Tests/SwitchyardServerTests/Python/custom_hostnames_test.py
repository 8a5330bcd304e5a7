"""Drives zones, custom hostnames and fallback origins of a live `switchyard serve` with the official
Cloudflare Python SDK (`pip install cloudflare`).

Environment: SY_BASE_URL (…/client/v4), SY_TOKEN (admin token), SY_ACCOUNT (account id).
Prints one line per scenario and ends with "N passed, N failed"; exits non-zero on any failure.
"""
import os
import sys
import traceback

import cloudflare

client = cloudflare.Cloudflare(api_token=os.environ["SY_TOKEN"], base_url=os.environ["SY_BASE_URL"], max_retries=0)
ACCOUNT = os.environ["SY_ACCOUNT"]
hostnames = client.custom_hostnames
SCENARIOS = []


def scenario(fn):
    SCENARIOS.append(fn)
    return fn


def rejected(status, call):
    """Runs `call`, which must fail with HTTP `status` and Cloudflare's error envelope."""
    try:
        call()
    except cloudflare.APIStatusError as error:
        assert error.status_code == status, f"expected {status}, got {error.status_code}: {error}"
        body = error.body if isinstance(error.body, dict) else {}
        assert body.get("success") is False and body.get("errors") and body.get("result") is None, error.body
        return error
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


def stored(zone_id):
    return sorted((h.hostname, str(h.custom_metadata), h.ssl.method if h.ssl else None)
                  for h in hostnames.list(zone_id=zone_id))


@scenario
def zones():
    zone = client.zones.create(account={"id": ACCOUNT}, name="saas.example")
    assert zone.name == "saas.example" and zone.account.id == ACCOUNT and zone.status == "active"
    assert client.zones.get(zone_id=zone.id).name == "saas.example"
    assert [z.name for z in client.zones.list(name="saas.example")] == ["saas.example"]
    assert [z.id for z in client.zones.list(account={"id": ACCOUNT})] == [zone.id]
    rejected(409, lambda: client.zones.create(account={"id": ACCOUNT}, name="saas.example"))
    rejected(400, lambda: client.zones.create(account={"id": ACCOUNT}, name="not a zone"))
    other = client.zones.create(account={"id": ACCOUNT}, name="other.example")
    assert client.zones.delete(zone_id=other.id).id == other.id
    rejected(404, lambda: client.zones.get(zone_id=other.id))


@scenario
def create_edit_list_delete():
    zone = next(iter(client.zones.list(name="saas.example")))
    created = hostnames.create(zone_id=zone.id, hostname="app.customer.com", ssl={"method": "http", "type": "dv"},
                               custom_metadata={"worker": "customer-1"})
    assert created.hostname == "app.customer.com" and created.status == "pending", created
    assert created.ssl.method == "http" and created.ssl.type == "dv" and created.ssl.status == "initializing"
    assert created.ownership_verification.name == "_cf-custom-hostname.app.customer.com"
    assert created.ownership_verification_http.http_url.endswith(
        "/.well-known/cf-custom-hostname-challenge/" + created.id)
    assert created.custom_metadata == {"worker": "customer-1"}
    assert created.created_at is not None

    edited = hostnames.edit(created.id, zone_id=zone.id, custom_metadata={"worker": "customer-2"})
    assert edited.custom_metadata == {"worker": "customer-2"}
    assert hostnames.get(created.id, zone_id=zone.id).custom_metadata == {"worker": "customer-2"}

    for name in ["b.customer.com", "c.customer.com"]:
        hostnames.create(zone_id=zone.id, hostname=name)
    # The SDK pages until it sees an empty page; with per_page=2 that is three requests.
    assert [h.hostname for h in hostnames.list(zone_id=zone.id, per_page=2)] == [
        "app.customer.com", "b.customer.com", "c.customer.com"]
    assert [h.id for h in hostnames.list(zone_id=zone.id, hostname={"exact": "app.customer.com"})] == [created.id]
    assert [h.hostname for h in hostnames.list(zone_id=zone.id, hostname={"contain": "b."})] == ["b.customer.com"]
    assert [h.hostname for h in hostnames.list(zone_id=zone.id, ssl=1)] == ["app.customer.com"]
    assert [h.hostname for h in hostnames.list(zone_id=zone.id, direction="desc")][0] == "c.customer.com"

    deleted = hostnames.delete(created.id, zone_id=zone.id)
    assert deleted.id == created.id, deleted
    rejected(404, lambda: hostnames.get(created.id, zone_id=zone.id))


@scenario
def bad_input_stores_nothing():
    zone = next(iter(client.zones.list(name="saas.example")))
    before = stored(zone.id)
    rejected(400, lambda: hostnames.create(zone_id=zone.id, hostname="not a hostname"))
    rejected(400, lambda: hostnames.create(zone_id=zone.id, hostname="a.*.customer.com"))
    rejected(400, lambda: hostnames.create(zone_id=zone.id, hostname="shop.saas.example"))
    rejected(409, lambda: hostnames.create(zone_id=zone.id, hostname="b.customer.com"))
    rejected(400, lambda: hostnames.create(zone_id=zone.id, hostname="big.customer.com",
                                           custom_metadata={"k": "x" * 5000}))
    rejected(400, lambda: hostnames.create(zone_id=zone.id, hostname="*.wild.com", custom_metadata={"a": "b"},
                                           ssl={"method": "txt", "wildcard": True}))
    rejected(400, lambda: hostnames.create(zone_id=zone.id, hostname="w.customer.com",
                                           ssl={"method": "http", "wildcard": True}))
    b = next(iter(hostnames.list(zone_id=zone.id, hostname={"exact": "b.customer.com"})))
    rejected(400, lambda: hostnames.edit(b.id, zone_id=zone.id, custom_metadata={"k": "x" * 5000}))
    rejected(404, lambda: hostnames.edit("nope", zone_id=zone.id, custom_metadata={"a": "b"}))
    assert stored(zone.id) == before, (before, stored(zone.id))


@scenario
def fallback_origin():
    zone = next(iter(client.zones.list(name="saas.example")))
    rejected(404, lambda: hostnames.fallback_origin.get(zone_id=zone.id))
    updated = hostnames.fallback_origin.update(zone_id=zone.id, origin="fallback.saas.example")
    assert updated.origin == "fallback.saas.example" and updated.status == "active", updated
    assert hostnames.fallback_origin.get(zone_id=zone.id).origin == "fallback.saas.example"
    rejected(400, lambda: hostnames.fallback_origin.update(zone_id=zone.id, origin="bad origin"))
    assert hostnames.fallback_origin.get(zone_id=zone.id).origin == "fallback.saas.example"
    assert hostnames.fallback_origin.delete(zone_id=zone.id).status == "pending_deletion"
    rejected(404, lambda: hostnames.fallback_origin.get(zone_id=zone.id))


@scenario
def quota():
    # serve runs with --custom-hostname-quota 3 --custom-hostname-hard-cap 4 (CustomHostnameLiveTests).
    zone = client.zones.create(account={"id": ACCOUNT}, name="quota.example")
    usage = hostnames.quota.get(zone_id=zone.id)
    assert (usage.allocated, usage.exceeded, usage.hard_cap, usage.used) == (3, False, 4, 0), usage
    for index in range(4):
        hostnames.create(zone_id=zone.id, hostname=f"q{index}.customer.com")
    usage = hostnames.quota.get(zone_id=zone.id)
    assert (usage.exceeded, usage.used) == (True, 4), usage
    error = rejected(409, lambda: hostnames.create(zone_id=zone.id, hostname="q4.customer.com"))
    assert error.body["errors"][0]["code"] == 1417, error.body
    assert hostnames.quota.get(zone_id=zone.id).used == 4
    assert client.zones.delete(zone_id=zone.id).id == zone.id


def main():
    failed = 0
    for fn in SCENARIOS:
        try:
            fn()
            print(f"ok {fn.__name__}")
        except Exception:  # noqa: BLE001 - report and continue
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc()
    print(f"{len(SCENARIOS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
