"""Fast inserts of many rows on SQLite (imports, demo data).

Django's ``bulk_create`` on SQLite fits only 999 parameters in a statement (50 members) and spends
~200 µs a row compiling SQL. One prepared ``INSERT`` run with ``executemany`` takes a few µs a row.
Other databases keep ``bulk_create`` (65,535 parameters a statement, ids returned).
"""

from __future__ import annotations

from django.db import connection, connections
from django.db.models import JSONField


def _preparers(fields) -> list:
    """Each field's ``get_db_prep_save`` bound to the real connection (not the thread-local proxy,
    whose every attribute access goes through asgiref — most of a row's cost), with the prepared
    value of a repeated value (a date, an amount, the same timestamp) computed once. Fields of
    other modules (the encrypted resident ID) and JSON are prepared every time."""
    conn = connections[connection.alias]
    out = []
    for f in fields:
        prep = f.get_db_prep_save
        if type(f).__module__.startswith("django.db.models.") and not isinstance(f, JSONField):

            def p(v, prep=prep, cache={}):  # noqa: B006 - one cache per field, for this call
                try:
                    return cache[v]
                except KeyError:
                    r = cache[v] = prep(v, conn)
                    return r
                except TypeError:  # unhashable
                    return prep(v, conn)

        else:

            def p(v, prep=prep):
                return prep(v, conn)

        out.append(p)
    return out


def insert(model, objs: list, *, assign_ids: bool = False, batch_size: int = 2000) -> None:
    """Insert ``objs`` (unsaved instances). With ``assign_ids`` their ``pk`` is set, taken after the
    table's current maximum — safe only inside a transaction, where SQLite holds the write lock."""
    if not objs:
        return
    if connection.vendor != "sqlite":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ([pk] if assign_ids else []) + fields
    table = model._meta.db_table
    names = ", ".join(f'"{f.column}"' for f in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    with connection.cursor() as cur:
        next_id = 0
        if assign_ids:
            cur.execute(f'SELECT COALESCE(MAX("{pk.column}"), 0) FROM "{table}"')
            next_id = cur.fetchone()[0] + 1
        params = []
        preps = list(zip(fields, _preparers(fields), strict=True))
        for o in objs:
            row = [p(f.pre_save(o, True)) for f, p in preps]
            if assign_ids:
                o.pk, next_id = next_id, next_id + 1
                row.insert(0, o.pk)
            params.append(row)
        cur.executemany(sql, params)


def insert_rows(model, attnames, rows: list[tuple], *, batch_size: int = 2000, conflict=None) -> None:
    """Insert plain tuples (values for ``attnames``, in order) without building model instances.

    ``conflict=(unique_attnames, update_attnames)`` makes it an upsert (``ON CONFLICT … DO UPDATE``).
    """
    if not rows:
        return
    if connection.vendor != "sqlite":
        objs = [model(**dict(zip(attnames, r, strict=True))) for r in rows]
        if conflict:
            unique, update = conflict
            model.objects.bulk_create(objs, batch_size=batch_size, update_conflicts=True,
                                      unique_fields=[a.removesuffix("_id") for a in unique],
                                      update_fields=[a.removesuffix("_id") for a in update])  # fmt: skip
        else:
            model.objects.bulk_create(objs, batch_size=batch_size)
        return
    fields = [model._meta.get_field(a.removesuffix("_id")) if a.endswith("_id") else model._meta.get_field(a)
              for a in attnames]  # fmt: skip
    names = ", ".join(f'"{f.column}"' for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    prep = _preparers(fields)
    sql = f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({marks})'
    if conflict:
        col = {a: f.column for a, f in zip(attnames, fields, strict=True)}
        unique, update = conflict
        sets = ", ".join(f'"{col[a]}" = excluded."{col[a]}"' for a in update)
        keys = ", ".join(f'"{col[a]}"' for a in unique)
        sql += f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"
    with connection.cursor() as cur:
        cur.executemany(sql, [[p(v) for p, v in zip(prep, r, strict=True)] for r in rows])
