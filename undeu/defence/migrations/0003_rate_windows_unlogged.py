"""On PostgreSQL the rate limits' windows are an UNLOGGED table (see RateWindow)."""

from django.db import migrations


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(apps.get_model("defence", "RateWindow")._meta.db_table)
            schema_editor.execute(sql.format(table=table))

    return run


class Migration(migrations.Migration):
    dependencies = [("defence", "0002_windows_keyed_by_expiry")]

    operations = [
        migrations.RunPython(
            _on_postgresql("ALTER TABLE {table} SET UNLOGGED"),
            _on_postgresql("ALTER TABLE {table} SET LOGGED"),
        )
    ]
