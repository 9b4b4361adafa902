"""Rate windows keyed by when they expire (limits.window_key): the old keys cannot be found by
that range, so the windows are dropped (the limits start again from zero, as after a Redis
restart), and the index on their expiry goes with its column. On PostgreSQL the primary key's
second index (for LIKE, which nothing asks of these keys) goes too."""

from django.db import migrations


def forget_windows(apps, schema_editor):
    apps.get_model("defence", "RateWindow").objects.all().delete()


def drop_like_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    table = apps.get_model("defence", "RateWindow")._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, found in constraints.items():
        if found["index"] and not found["primary_key"] and name.endswith("_like"):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("defence", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forget_windows, migrations.RunPython.noop),
        migrations.RemoveField(model_name="ratewindow", name="expires_at"),
        migrations.RunPython(drop_like_index, migrations.RunPython.noop),
    ]
