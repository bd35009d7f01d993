"""Once seeded the registry of statements/data/registry.json; now does nothing.

Seeding is `manage.py seed` (statements/seed.py), done once and recorded (migration 0024): a
migration runs on every new database, including one a dump is about to be loaded into, and
would bring back rows deleted before the dump.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("statements", "0020_people_and_publishers")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
