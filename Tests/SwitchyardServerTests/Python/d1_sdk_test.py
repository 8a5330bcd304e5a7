"""The D1 data API of a live `switchyard serve`, driven by the official Cloudflare Python SDK:
`client.d1.database.create/query/raw/delete`.

Environment and output as sdk_support.py says.
"""
from sdk_support import ACCOUNT, check, client, expect_error, finish

d1 = client.d1.database
state = {}


def query(sql, params=None, database=None, **kwargs):
    if params is not None:
        kwargs["params"] = params
    return list(d1.query(database or state["id"], account_id=ACCOUNT, sql=sql, **kwargs))


@check
def create_and_query():
    created = d1.create(account_id=ACCOUNT, name="sdk-d1")
    state["id"] = created.uuid
    # One result per statement, the whole request in one transaction.
    page = query("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, b BLOB); "
                 "INSERT INTO users (name, n) VALUES (?, ?)", ["ada", "7"])
    assert len(page) == 2 and all(r.success for r in page), page
    assert page[1].meta.changes == 1 and page[1].meta.last_row_id == 1 and page[1].meta.changed_db, page[1].meta
    assert page[1].meta.size_after > 0 and page[1].meta.rows_written == 1
    rows = query("SELECT id, name, n FROM users WHERE name = ?", ["ada"])
    assert rows[0].results == [{"id": 1, "name": "ada", "n": 7}], rows[0].results
    assert rows[0].meta.rows_read >= 1 and rows[0].meta.changed_db is False
    got = d1.get(state["id"], account_id=ACCOUNT)
    assert got.num_tables == 1 and got.file_size > 0, got


@check
def raw_rows_and_columns():
    query("INSERT INTO users (name, n, b) VALUES ('bob', 9007199254740993, x'00ff')")
    sql = "SELECT name, n, b FROM users ORDER BY id"
    raw = list(d1.raw(state["id"], account_id=ACCOUNT, sql=sql))
    assert raw[0].results.columns == ["name", "n", "b"], raw[0].results
    # The SDK's model reads numbers as floats; BLOBs are arrays of bytes.
    assert raw[0].results.rows == [["ada", 7, None], ["bob", 9007199254740993.0, [0, 255]]], raw[0].results.rows
    # On the wire, integers stay exact (64 bits).
    wire = d1.with_raw_response.raw(state["id"], account_id=ACCOUNT, sql=sql).http_response.json()
    assert wire["result"][0]["results"]["rows"][1][1] == 9007199254740993, wire


@check
def batch_is_all_or_nothing():
    message = expect_error(400, 7500, lambda: list(d1.query(state["id"], account_id=ACCOUNT, batch=[
        {"sql": "INSERT INTO users (name) VALUES (?)", "params": ["carol"]},
        {"sql": "INSERT INTO nope VALUES (1)"},
    ])))
    assert message == "no such table: nope: SQLITE_ERROR", message
    assert query("SELECT count(*) AS c FROM users WHERE name = 'carol'")[0].results == [{"c": 0}]
    page = list(d1.query(state["id"], account_id=ACCOUNT, batch=[
        {"sql": "INSERT INTO users (name) VALUES (?)", "params": ["carol"]},
        {"sql": "SELECT name FROM users WHERE name = ?", "params": ["carol"]},
    ]))
    assert page[1].results == [{"name": "carol"}], page


@check
def sql_errors_have_d1_texts():
    assert expect_error(400, 7500, lambda: query("SELEC 1")) == 'near "SELEC": syntax error at offset 0: SQLITE_ERROR'
    assert expect_error(400, 7500, lambda: query("BEGIN")).startswith("To execute a transaction, please use")
    assert expect_error(400, 7500, lambda: query("ATTACH 'x.sqlite3' AS x")) == "not authorized: SQLITE_AUTH"
    assert expect_error(400, 7500, lambda: query("PRAGMA journal_mode = DELETE")) == "not authorized: SQLITE_AUTH"
    # The SDK refuses a body without sql or batch itself; sent anyway, the API answers as D1's.
    path = f"/accounts/{ACCOUNT}/d1/database/{state['id']}/query"
    assert expect_error(400, 7400, lambda: client.post(path, body={"params": []}, cast_to=object)).startswith(
        "Invalid property: sql")


@check
def other_accounts_and_unknown_databases():
    expect_error(404, 7404, lambda: query("SELECT 1", database="00000000-0000-0000-0000-000000000000"))
    expect_error(403, 10000, lambda: list(d1.query(state["id"], account_id="0" * 32, sql="SELECT 1")))


@check
def delete_removes_the_data():
    d1.delete(state["id"], account_id=ACCOUNT)
    expect_error(404, 7404, lambda: query("SELECT 1"))
    again = d1.create(account_id=ACCOUNT, name="sdk-d1")
    assert again.uuid != state["id"]
    assert expect_error(400, 7500, lambda: query("SELECT * FROM users", database=again.uuid)) == \
        "no such table: users: SQLITE_ERROR"


finish()
