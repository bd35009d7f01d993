"""Once seeded the officials of statements/data/officials.json.

Superseded by 0021, which seeds the registry (statements/data/registry.json): publishers,
offices and people with dated roles. A fresh database gets them all there.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("statements", "0001_initial")]

    operations = []
