"""The search vector's GIN index dropped: search reads the search index (migration 0025,
statements/search_index.py), and topic tagging reads the vectors of the rows it tags by id, so
the index was read by nothing and written by every ingest (a large share of its COPY's time).
The vector itself stays: topic tagging counts its lexemes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("statements", "0025_search_index")]

    operations = [
        migrations.RemoveIndex(model_name="utterance", name="utterance_search"),
    ]
