"""Drives psycopg2 (Debian's python3-psycopg2) against a Tributary server, for test/drivers/psycopg2.test.ts.

Run: /usr/bin/python3 psycopg2_probe.py <host> <port>
Each step prints one JSON line {"step", "ok", "value"} or {"step", "ok": false, "sqlstate", "error"}; a failing
step does not stop the others. The test owns the expected values. The test creates drv_orders (id int not null,
customer text, amount numeric(10,2), created_at timestamptz) with rows (1,'a',10.00), (2,'b',200.00) first.
"""
import datetime
import decimal
import io
import json
import sys
import uuid

import psycopg2
import psycopg2.extensions
import psycopg2.extras

HOST, PORT = sys.argv[1], int(sys.argv[2])


def connect(**kw):
    return psycopg2.connect(host=HOST, port=PORT, user="materialize", dbname="materialize", connect_timeout=10, **kw)


def plain(v):
    """JSON-friendly rendering that keeps the Python type visible where it matters."""
    if isinstance(v, decimal.Decimal):
        return "Decimal(%s)" % v
    if isinstance(v, datetime.datetime):
        return "datetime(tz=%s)" % (v.utcoffset() is not None)
    if isinstance(v, datetime.date):
        return "date(%s)" % v.isoformat()
    if isinstance(v, (bytes, memoryview)):
        return "bytes(%s)" % bytes(v).hex()
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def step(name, fn):
    try:
        out = {"step": name, "ok": True, "value": plain(fn())}
    except psycopg2.Error as e:
        out = {"step": name, "ok": False, "sqlstate": e.pgcode, "error": str(e).strip()}
    except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
        out = {"step": name, "ok": False, "sqlstate": None, "error": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(out), flush=True)
    # Materialize's rule: a transaction that has read cannot write, so no step inherits an open one.
    conn.rollback()


conn = connect()


def probes():
    return {
        "server_version": conn.server_version,
        "encoding": conn.encoding,
        "protocol_version": conn.protocol_version,
        "server_version_param": conn.get_parameter_status("server_version"),
        "standard_conforming_strings": conn.get_parameter_status("standard_conforming_strings"),
        "dsn_dbname": conn.info.dbname,
        "status": conn.status == psycopg2.extensions.STATUS_READY,
    }


step("connect-probes", probes)


def select_types():
    with conn.cursor() as cur:
        cur.execute(
            "SELECT 1::int4, 2::int8, 1.5::float8, 12.34::numeric, true, 'x'::text, '2024-01-02'::date,"
            " '2024-01-02 03:04:05+00'::timestamptz, '\\x0001ff'::bytea, ARRAY[1,2,3], '{\"a\": [1, null]}'::jsonb,"
            " NULL::text, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid::text"
        )
        row = cur.fetchone()
        return {"row": list(row), "description": [(d.name, d.type_code) for d in cur.description]}


step("select-types", select_types)


def params():
    with conn.cursor() as cur:
        cur.execute(
            "SELECT %s::int AS i, %s::text AS t, %s AS n, %s::numeric AS d, %s::date AS day, %s::bytea AS b, %s::int[] AS arr, %s::bool AS f",
            (42, "it's a \"quote\"", None, decimal.Decimal("-1.50"), datetime.date(2024, 2, 29), psycopg2.Binary(b"\x00\x01"), [1, 2], False),
        )
        r = cur.fetchone()
        cur.execute("SELECT id, customer FROM drv_orders WHERE id = %(id)s AND customer = %(c)s", {"id": 1, "c": "a"})
        return [list(r), cur.fetchall()]


step("params", params)


def transactions():
    with conn.cursor() as cur:
        cur.execute("INSERT INTO drv_orders (id, customer) VALUES (30, 'tx')")
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("INSERT INTO drv_orders (id, customer) VALUES (31, 'tx')")
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM drv_orders WHERE customer = 'tx' ORDER BY id")
        r = cur.fetchall()
    conn.commit()
    return r


step("transactions", transactions)


def isolation():
    conn.set_session(isolation_level="SERIALIZABLE", readonly=False)
    with conn.cursor() as cur:
        cur.execute("SELECT 2")
        r = cur.fetchone()[0]
    conn.rollback()
    conn.set_session(isolation_level="DEFAULT", readonly="DEFAULT")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 3")
        r2 = cur.fetchone()[0]
    conn.autocommit = False
    return [r, r2]


step("isolation-autocommit", isolation)


def named_cursor():
    with conn.cursor("srv") as cur:
        cur.itersize = 1
        cur.execute("SELECT id, customer FROM drv_orders WHERE id < 3 ORDER BY id")
        rows = [list(r) for r in cur]
    conn.commit()
    return rows


step("named-cursor", named_cursor)


def copy_out_in():
    with conn.cursor() as cur:
        buf = io.StringIO()
        cur.copy_expert("COPY (SELECT id, customer FROM drv_orders WHERE id < 3 ORDER BY id) TO STDOUT", buf)
        conn.commit()
        # COPY FROM in a block is the block's write: gone at rollback, applied at commit.
        cur.copy_expert("COPY drv_orders (id, customer) FROM STDIN", io.StringIO("39\trolled back\n"))
        conn.rollback()
        cur.copy_expert("COPY drv_orders (id, customer) FROM STDIN", io.StringIO("40\tcopied\n41\t\\N\n"))
        conn.commit()
        cur.execute("SELECT id, customer FROM drv_orders WHERE id >= 40 ORDER BY id")
        r = cur.fetchall()
    conn.commit()
    return [buf.getvalue(), r]


step("copy", copy_out_in)


def execute_values():
    with conn.cursor() as cur:
        psycopg2.extras.execute_values(cur, "INSERT INTO drv_orders (id, customer, amount) VALUES %s", [(50, "p", decimal.Decimal("1.5")), (51, "q'uote", None)])
        n = cur.rowcount
        conn.commit()
        cur.execute("SELECT id, customer, amount FROM drv_orders WHERE id >= 50 ORDER BY id")
        r = cur.fetchall()
    conn.commit()
    return [n, r]


step("execute-values", execute_values)


def dict_cursor():
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT id, customer FROM drv_orders WHERE id = 2")
        r = cur.fetchall()
    conn.commit()
    return r


step("dict-cursor", dict_cursor)


def errors():
    states = []
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT * FROM drv_missing")
        except psycopg2.Error as e:
            states.append(e.pgcode)
        try:
            cur.execute("SELECT 1")
        except psycopg2.Error as e:
            states.append(e.pgcode)
        conn.rollback()
        try:
            cur.execute("SELECT 1/0")
        except psycopg2.Error as e:
            states.append(e.pgcode)
        conn.rollback()
        cur.execute("SELECT 4")
        states.append(cur.fetchone()[0])
    conn.commit()
    return states


step("errors", errors)


def catalog():
    """The probes SQLAlchemy makes at engine start (clients.md section 5), through psycopg2."""
    with conn.cursor() as cur:
        out = []
        cur.execute("SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'hstore'")
        out.append(cur.fetchall())
        cur.execute("select pg_catalog.version()")
        out.append(cur.fetchone()[0].startswith("PostgreSQL 9.5"))
        cur.execute("select current_schema()")
        out.append(cur.fetchone()[0])
        cur.execute("show standard_conforming_strings")
        out.append(cur.fetchone()[0])
        cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname LIKE 'drv%%' ORDER BY 1")
        out.append(cur.fetchall())
    conn.commit()
    return out


step("catalog", catalog)


def subscribe():
    """Materialize's psycopg2 example: no explicit BEGIN (psycopg2 sends it), DECLARE, then FETCH ALL."""
    writer = connect()
    writer.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("DECLARE c CURSOR FOR SUBSCRIBE (SELECT id, customer FROM drv_orders WHERE id < 3)")
            cur.execute("FETCH ALL c")
            snapshot = sorted([list(r[1:]) for r in cur.fetchall()])
            ts = cur.description[0].name
            with writer.cursor() as w:
                w.execute("INSERT INTO drv_orders (id, customer) VALUES (-1, 'live')")
            cur.execute("FETCH ALL c")
            live = [list(r[1:]) for r in cur.fetchall()]
            cur.execute("FETCH ALL c WITH (timeout = '0s')")
            none = cur.fetchall()
        conn.commit()
        return [ts, snapshot, live, len(none)]
    finally:
        conn.rollback()
        writer.close()


step("subscribe-declare-fetch", subscribe)


def subscribe_copy():
    """COPY (SUBSCRIBE ...) TO STDOUT ends when the subscription does (UP TO)."""
    with conn.cursor() as cur:
        cur.execute("SELECT mz_now()::text")
        now = cur.fetchone()[0]
        conn.commit()
        buf = io.StringIO()
        cur.copy_expert("COPY (SUBSCRIBE (SELECT id FROM drv_orders WHERE id = 1) AS OF %s UP TO %s) TO STDOUT" % (now, int(now) + 1), buf)
    conn.commit()
    return [line.split("\t")[1:] for line in buf.getvalue().splitlines()]


step("subscribe-copy", subscribe_copy)

conn.close()
