"""Once seeded the registry of known officials; now does nothing.

A migration runs on every new database, including one a dump is about to be loaded into, and
`loaddata` leaves the rows it does not hold: officials deleted before the dump came back. The
seeding is `manage.py seed` now (statements/seed.py), done once and recorded (migration 0024).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("statements", "0001_initial")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
