"""Indexes that let a large search count a sample, and read meeting dates without the table.

search.py counts a facet over more rows than search.EXACT_LIMIT from a sample of utterances
picked by id, and scales up. These partial indexes hold exactly the sampled rows: for searches
with words, the search vectors of the utterances whose id is a multiple of 32 or of 256; for
searches without, the columns facets group by, for ids that are multiples of 16, so such a sample
is read from the index alone. `meeting_dates` gives every meeting's date from a small index
instead of the wide table.

Like the search configuration (0003), they are SQL kept out of Django's model state: they serve
search.py's own statements, whose conditions must match these word for word (`id % 32 = 0`) for
PostgreSQL to use them.
"""

from django.db import migrations

CREATE = """
CREATE INDEX utterance_sample_search ON statements_utterance USING gin (search_vector)
    WHERE id % 32 = 0;
CREATE INDEX utterance_sparse_search ON statements_utterance USING gin (search_vector)
    WHERE id % 256 = 0;
CREATE INDEX utterance_sample ON statements_utterance (id)
    INCLUDE (meeting_id, speaker_id, sequence, kind, via_interpreter) WHERE id % 16 = 0;
CREATE INDEX meeting_dates ON statements_meeting (id) INCLUDE (date);
"""

DROP = """
DROP INDEX IF EXISTS utterance_sample_search;
DROP INDEX IF EXISTS utterance_sparse_search;
DROP INDEX IF EXISTS utterance_sample;
DROP INDEX IF EXISTS meeting_dates;
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0008_faster_archive_query")]

    operations = [migrations.RunSQL(CREATE, DROP)]
