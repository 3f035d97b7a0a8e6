"""PostgreSQL: a result row's breakdown compressed with lz4, inline.

With 25 indicators a breakdown is ~3.6 KB, so a quarter's run of 5,000 units wrote ~18 MB of
heap (and as much WAL) uncompressed (``0004`` raised ``toast_tuple_target`` to keep pglz, which
was slow, off them). lz4 compresses the same JSON several times over at a small fraction of
pglz's cost, so the breakdown is compressed again, with lz4, once a row passes the default 2 KB
target — and still kept in the row (``STORAGE MAIN``: compressed, moved out of line only when it
would not fit a page). A server built without lz4 keeps the rows as ``0004`` left them. Other
databases: nothing to do.
"""

from django.db import migrations

FORWARDS = """
DO $$
BEGIN
    EXECUTE 'ALTER TABLE assessments_scoreresult ALTER COLUMN breakdown SET COMPRESSION lz4';
    EXECUTE 'ALTER TABLE assessments_scoreresult ALTER COLUMN breakdown SET STORAGE MAIN';
    EXECUTE 'ALTER TABLE assessments_scoreresult RESET (toast_tuple_target)';
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
    NULL;  -- no lz4 in this server: rows stay inline and uncompressed (0004)
END $$;
"""

BACKWARDS = """
ALTER TABLE assessments_scoreresult ALTER COLUMN breakdown SET COMPRESSION DEFAULT;
ALTER TABLE assessments_scoreresult ALTER COLUMN breakdown SET STORAGE EXTENDED;
ALTER TABLE assessments_scoreresult SET (toast_tuple_target = 8160);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0012_survey_channels_and_ballots")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
