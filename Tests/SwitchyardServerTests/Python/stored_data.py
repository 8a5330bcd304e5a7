"""What the data stores of a `switchyard serve` data directory hold, read from their files (read
only, beside the running server): live KV entries and namespaces, each D1 database's schema and
rows, R2 buckets, objects, multipart uploads and the object files on disk.

fuzz_hooks.py compares it before and after each rejected request: the API's listings name the
resources but not their contents, and it has no R2 object endpoints at all.
"""
import os
import sqlite3
import time


def _query(path, sql, parameters=()):
    """The rows of `sql` in the SQLite file at `path` (None when there is no such file)."""
    if not os.path.exists(path):
        return None
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return sorted(connection.execute(sql, parameters).fetchall(), key=repr)
    finally:
        connection.close()


def _kv(data_dir):
    path = os.path.join(data_dir, "kv.sqlite3")
    # Expired keys are gone for readers and purged by later writes: not a request's doing.
    live = ("SELECT namespace, hex(key), hex(value), metadata, expiration FROM entries "
            "WHERE expiration IS NULL OR expiration > ?")
    return {
        "namespaces": _query(path, "SELECT id FROM namespaces"),
        "entries": _query(path, live, (int(time.time()) + 1,)),
    }


def _d1(data_dir):
    folder = os.path.join(data_dir, "d1")
    names = sorted(name for name in os.listdir(folder) if name.endswith(".sqlite3")) if os.path.isdir(folder) else []
    databases = {}
    for name in names:
        path = os.path.join(folder, name)
        schema = _query(path, "SELECT type, name, sql FROM sqlite_master") or []
        tables = {}
        for kind, table, _ in schema:
            if kind == "table" and not table.startswith("sqlite_"):
                quoted = '"' + table.replace('"', '""') + '"'
                tables[table] = [repr(row) for row in _query(path, f"SELECT * FROM {quoted}")]
        databases[name] = {"schema": schema, "rows": tables}
    return databases


def _r2(data_dir):
    folder = os.path.join(data_dir, "r2")
    path = os.path.join(folder, "r2.sqlite3")
    # Object and part files (objects/<2>/<id>) and what an upload left in tmp/.
    files = sorted(
        os.path.relpath(os.path.join(root, name), folder)
        for root, _, names in os.walk(folder) for name in names if not name.startswith("r2.sqlite3"))
    return {
        "buckets": _query(path, "SELECT account, name FROM buckets"),
        "objects": _query(path, "SELECT bucket, hex(key), file, version, size, etag, checksums, http_metadata, "
                                "custom_metadata, storage_class FROM objects"),
        "uploads": _query(path, "SELECT id, bucket, hex(key), state FROM uploads"),
        "parts": _query(path, "SELECT upload, number, file, size FROM parts"),
        "files": files,
    }


def stored_data(data_dir):
    """Everything the data directory's stores hold, as a value that compares with `==`."""
    return {"kv": _kv(data_dir), "d1": _d1(data_dir), "r2": _r2(data_dir)}


if __name__ == "__main__":
    # StoredDataTests: the snapshot of SY_DATA_DIR, as JSON.
    import json
    print(json.dumps(stored_data(os.environ["SY_DATA_DIR"]), sort_keys=True))
