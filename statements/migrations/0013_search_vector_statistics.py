"""Ten times the default statistics on the search vector, so PostgreSQL knows the frequency of the
10,000 most common words rather than of 1,000: a rare word was taken for 5,000 matches in a
million utterances (it had 39), and search, which sizes its passes from the planner's figure,
took the slow road for it. ANALYZE of a million utterances takes about 8 s instead of 2."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("statements", "0012_archive_headline")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE statements_utterance ALTER COLUMN search_vector SET STATISTICS 1000",
            "ALTER TABLE statements_utterance ALTER COLUMN search_vector SET STATISTICS -1",
        )
    ]
