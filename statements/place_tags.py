"""Tagging utterances with the places they are about, a chunk of utterances at a time.

The gazetteer (statements/places.py) finds the places in Python; the database is written a set
at a time: each chunk's taggings are copied into a temporary table, then the chunk's taggings
that changed are deleted and the new ones inserted, two statements a chunk, in one transaction
for the whole retag. Taggings that did not change are not touched, so the search index's outbox
(whose triggers see every written row) only hears of the utterances whose places changed.
Editors' corrections (`PlaceOverride`) win over the gazetteer and survive every retag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from statements import search_index
from statements.models import Place
from statements.places import gazetteer

# Utterances read, matched and written at once: a few MB of text.
CHUNK = 5_000
# Mentions are a smallint's worth.
MOST_MENTIONS = 32_767

SCOPE = """
    (%(meetings)s::bigint[] IS NULL OR u.meeting_id = ANY(%(meetings)s))
    AND (%(utterances)s::bigint[] IS NULL OR u.id = ANY(%(utterances)s))
"""
# The whole archive is read in the primary key's order, a chunk after the last id read; a part
# of it (a batch's meetings) is listed first, then read by id.
NEXT = "SELECT id, text FROM statements_utterance WHERE id > %s ORDER BY id LIMIT %s"
IN_SCOPE = f"SELECT u.id FROM statements_utterance AS u WHERE {SCOPE} ORDER BY u.id"
BY_ID = "SELECT id, text FROM statements_utterance WHERE id = ANY(%s) ORDER BY id"
FOUND = """
    CREATE TEMPORARY TABLE IF NOT EXISTS found_place (
        utterance_id bigint NOT NULL, place_id bigint NOT NULL, source varchar(8) NOT NULL,
        matched varchar(100)[] NOT NULL, mentions integer NOT NULL
    ) ON COMMIT DROP
"""
# The chunk's taggings as they should be: what the gazetteer found but where an editor decided,
# and the places editors added.
CORRECTED = """
    DELETE FROM found_place AS found
    USING statements_placeoverride AS override
    WHERE override.utterance_id = found.utterance_id AND override.place_id = found.place_id;
    INSERT INTO found_place (utterance_id, place_id, source, matched, mentions)
    SELECT override.utterance_id, override.place_id, 'manual', '{}', 0
    FROM statements_placeoverride AS override
    WHERE override.applies AND override.utterance_id = ANY(%(chunk)s)
"""
# Taggings of the chunk that are not as they should be go; those missing come.
REPLACED = """
    DELETE FROM statements_placetagging AS tagging
    WHERE tagging.utterance_id = ANY(%(chunk)s)
      AND NOT EXISTS (
          SELECT 1 FROM found_place AS found
          WHERE found.utterance_id = tagging.utterance_id AND found.place_id = tagging.place_id
            AND found.source = tagging.source AND found.matched = tagging.matched
            AND found.mentions = tagging.mentions
      )
"""
ADDED = """
    INSERT INTO statements_placetagging (utterance_id, place_id, source, matched, mentions)
    SELECT found.utterance_id, found.place_id, found.source, found.matched, found.mentions
    FROM found_place AS found
    WHERE NOT EXISTS (
        SELECT 1 FROM statements_placetagging AS tagging
        WHERE tagging.utterance_id = found.utterance_id AND tagging.place_id = found.place_id
    )
"""


def add_places() -> int:
    """A Place row for every place of the gazetteer that has none (a place added to
    data/places.json, or a new archive); how many were added. Existing rows are left as they
    are."""
    known = set(Place.objects.values_list("slug", flat=True))
    missing = [
        Place(slug=place.slug, name=place.name, kind=place.kind, code=place.code)
        for place in gazetteer().places
        if place.slug not in known
    ]
    Place.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def places_in(text: str) -> dict[str, tuple[list[str], int]]:
    """The places a text names, by slug: the forms that named each (in order, each once) and
    how many times it is named."""
    forms: dict[str, Counter] = {}
    for mention in gazetteer().find(text):
        forms.setdefault(mention.place.slug, Counter())[mention.form] += 1
    return {slug: (list(counted), sum(counted.values())) for slug, counted in forms.items()}


def retag(
    meetings: Iterable[int] | None = None,
    utterance_ids: Iterable[int] | None = None,
    sync: bool = True,
) -> int:
    """Find the places of every utterance, or of some meetings' or some utterances', and write
    what changed, keeping editors' corrections; the number of taggings changed (deleted and
    added). The search index is synced after the commit, unless `sync` is false (a caller that
    syncs it itself, as the ingest command does once a round)."""
    params = {
        "meetings": list(meetings) if meetings is not None else None,
        "utterances": list(utterance_ids) if utterance_ids is not None else None,
    }
    changed = 0
    with transaction.atomic():
        add_places()
        ids = dict(Place.objects.values_list("slug", "pk"))
        with connection.cursor() as cursor:
            cursor.execute(FOUND)
            for chunk in _chunks(cursor, params):
                cursor.execute("TRUNCATE found_place")
                with cursor.copy(
                    "COPY found_place (utterance_id, place_id, source, matched, mentions) "
                    "FROM STDIN"
                ) as copy:
                    for pk, text in chunk:
                        for slug, (forms, mentions) in places_in(text).items():
                            if slug in ids:
                                copy.write_row(
                                    (pk, ids[slug], "rule", forms, min(mentions, MOST_MENTIONS))
                                )
                chunk_ids = {"chunk": [pk for pk, _ in chunk]}
                cursor.execute(CORRECTED, chunk_ids)
                cursor.execute(REPLACED, chunk_ids)
                changed += cursor.rowcount
                cursor.execute(ADDED)
                changed += cursor.rowcount
            cursor.execute("DROP TABLE found_place")
        if sync:
            search_index.sync_after_commit()
    return changed


def _chunks(cursor, params: dict) -> Iterator[list[tuple[int, str]]]:
    """The utterances in scope, CHUNK at a time, by id."""
    if params["meetings"] is None and params["utterances"] is None:
        after = 0
        while True:
            cursor.execute(NEXT, [after, CHUNK])
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]
    cursor.execute(IN_SCOPE, params)
    ids = [pk for (pk,) in cursor.fetchall()]
    for start in range(0, len(ids), CHUNK):
        cursor.execute(BY_ID, [ids[start : start + CHUNK]])
        yield cursor.fetchall()
