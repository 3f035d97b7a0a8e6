"""PostgreSQL: keep a result row (≈ 2 KB, most of it the breakdown) inline and uncompressed.

A quarter's breakdowns are ~2,040 bytes each, just over PostgreSQL's 2 KB TOAST threshold, so by
default every row was pglz-compressed on the way in — about a fifth of the quarter job's time for
5,000 units. With ``toast_tuple_target = 8160`` (the largest allowed) rows are only compressed or
moved out of line when longer than a page's worth; the table is about twice as large on disk
(≈ 10 MB per quarterly run of 5,000 units). Other databases: nothing to do.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assessments_scoreresult SET (toast_tuple_target = 8160)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assessments_scoreresult RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_result_indexes_trimmed")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
