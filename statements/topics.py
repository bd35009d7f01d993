"""Tagging utterances with topics, in the database, a set at a time.

A topic's rules are its terms (words and phrases, matched through the same stemmed,
accent-folded search vector as search), its exclusions, and how many mentions a longer turn needs:
a passing mention in a long statement is not what the statement is about. Editors' corrections
(`TopicOverride`) win over the rules and survive every retag. Each rule tagging records the terms
that matched and how often, so it can explain itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction

from statements import search_index
from statements.models import Topic

# In a turn this short one mention of a topic is enough; longer turns must come back to it.
SHORT_TURN = 150
# A term is a phrase: its words must come together, in order ("rule of law").
PHRASE = """archive_query('"' || replace({}, '"', '') || '"')"""
# Each statement is limited to a scope: %(meetings)s, %(utterances)s and %(topic)s are NULL for
# "all", and PostgreSQL plans each run with the actual values.
SCOPE = """
    (%(meetings)s::bigint[] IS NULL OR u.meeting_id = ANY(%(meetings)s))
    AND (%(utterances)s::bigint[] IS NULL OR u.id = ANY(%(utterances)s))
"""
# A matched utterance's search vector, read by id only where a phrase or an exclusion needs it.
SAID_VECTOR = "(SELECT own.search_vector FROM statements_utterance AS own WHERE own.id = said.id)"
RETAG = [
    # The utterances in scope are listed first, so their taggings are looked up by index
    # rather than the whole table hashed against them (a batch of 5,000: 380 ms -> a few).
    f"""
    DELETE FROM statements_tagging AS tagging
    WHERE (%(topic)s::bigint IS NULL OR tagging.topic_id = %(topic)s)
      AND (
          (%(meetings)s::bigint[] IS NULL AND %(utterances)s::bigint[] IS NULL)
          OR tagging.utterance_id = ANY(ARRAY(
              SELECT u.id FROM statements_utterance AS u WHERE {SCOPE}
          ))
      )
    """,
    # Each term's query, and the stems it looks for, are worked out once. Each utterance's
    # lexemes are read once and looked up among all the stems: that finds the rules it may match,
    # and counts its mentions, whether it is one of a batch just ingested or the whole archive.
    f"""
    WITH rules AS MATERIALIZED (
        SELECT row_number() OVER () AS rule, topic.id AS topic_id, topic.min_mentions, term,
               query, numnode(query) = 1 AS single,
               ARRAY(SELECT m[1] FROM regexp_matches(query::text, '''([^'']+)''', 'g') AS m)
                   AS stems,
               (SELECT count(DISTINCT m[1])
                FROM regexp_matches(query::text, '''([^'']+)''', 'g') AS m) AS distinct_stems
        FROM statements_topic AS topic
        CROSS JOIN LATERAL unnest(topic.terms) AS term
        CROSS JOIN LATERAL {PHRASE.format("term")} AS query
        WHERE %(topic)s::bigint IS NULL OR topic.id = %(topic)s
    ),
    stems AS MATERIALIZED (
        SELECT DISTINCT rule, stem FROM rules CROSS JOIN LATERAL unnest(rules.stems) AS stem
    ),
    exclusions AS MATERIALIZED (
        SELECT topic.id AS topic_id, {PHRASE.format("exclusion")} AS query
        FROM statements_topic AS topic
        CROSS JOIN LATERAL unnest(topic.exclusions) AS exclusion
    ),
    said AS (
        -- The rules whose stems each utterance says, and how often it says them. The search
        -- vector is not carried along: sorting or hashing a batch's rows with it spilled to disk.
        SELECT u.id, u.word_count, stems.rule, count(*) AS stems_said,
               coalesce(sum(array_length(v.positions, 1)), 0) AS times
        FROM statements_utterance AS u
        CROSS JOIN LATERAL unnest(u.search_vector) AS v
        JOIN stems ON stems.stem = v.lexeme
        WHERE {SCOPE}
        GROUP BY u.id, stems.rule
    ),
    matches AS (
        SELECT said.id AS utterance_id, said.word_count, rules.topic_id, rules.min_mentions,
               rules.term,
               row_number() OVER (
                   PARTITION BY said.id, rules.topic_id, rules.stems ORDER BY rules.term
               ) = 1 AS first_spelling,
               said.times / greatest(cardinality(rules.stems), 1) AS mentions
        FROM said
        JOIN rules ON rules.rule = said.rule
        -- A term of one word is said when its stem is; a phrase's words must come together,
        -- so two of its stems at least must be said before the phrase is looked for.
        WHERE (
            rules.single
            OR (said.stems_said >= least(2, rules.distinct_stems) AND {SAID_VECTOR} @@ rules.query)
        )
          AND NOT EXISTS (
              SELECT 1 FROM exclusions
              WHERE exclusions.topic_id = rules.topic_id
                AND {SAID_VECTOR} @@ exclusions.query)
          AND NOT EXISTS (
              SELECT 1 FROM statements_topicoverride AS override
              WHERE override.utterance_id = said.id AND override.topic_id = rules.topic_id)
    )
    INSERT INTO statements_tagging (utterance_id, topic_id, source, matched, mentions)
    SELECT utterance_id, topic_id, 'rule',
           array_agg(term ORDER BY term) FILTER (WHERE first_spelling),
           sum(mentions) FILTER (WHERE first_spelling)
    FROM matches
    GROUP BY utterance_id, topic_id, min_mentions, word_count
    HAVING word_count < {SHORT_TURN} OR sum(mentions) FILTER (WHERE first_spelling) >= min_mentions
    """,
    f"""
    INSERT INTO statements_tagging (utterance_id, topic_id, source, matched, mentions)
    SELECT override.utterance_id, override.topic_id, 'manual', '{{}}', 0
    FROM statements_topicoverride AS override
    JOIN statements_utterance AS u ON u.id = override.utterance_id
    WHERE override.applies AND {SCOPE}
      AND (%(topic)s::bigint IS NULL OR override.topic_id = %(topic)s)
    """,
]


def retag(
    meetings: list[int] | None = None,
    utterance_ids: list[int] | None = None,
    topic: Topic | None = None,
    sync: bool = True,
) -> int:
    """Re-apply the topics' rules and corrections, to everything or to a part (some meetings,
    given by id, some utterances, one topic); the number of taggings that result. The rules are
    compiled once a call, so tagging many meetings at once costs little more than one. The
    search index is synced after the commit, unless `sync` is false (a caller that syncs it
    itself, as the ingest command does once a round)."""
    params = {
        "meetings": list(meetings) if meetings is not None else None,
        "utterances": list(utterance_ids) if utterance_ids is not None else None,
        "topic": topic.pk if topic else None,
    }
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # Memory to hash and sort the lexemes; hashing rather than sorting them; and no JIT,
        # which costs more than it saves on a batch. Reset after, for the rest of a caller's
        # transaction.
        cursor.execute(
            "SET LOCAL work_mem = '64MB'; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off"
        )
        delete, *inserts = RETAG
        cursor.execute(delete, params)
        for statement in inserts:
            cursor.execute(statement, params)
            count += cursor.rowcount
        cursor.execute("RESET work_mem; RESET enable_mergejoin; RESET jit")
        # The taggings' triggers put the utterances in the search index's outbox.
        if sync:
            search_index.sync_after_commit()
    return count


@dataclass
class Score:
    """Precision and recall of the rules for one topic against hand labels."""

    topic: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def labelled(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def tagged(self) -> int:
        return self.true_positives + self.false_positives

    @property
    def precision(self) -> float:
        return self.true_positives / self.tagged if self.tagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0


def evaluate(
    gold: dict[tuple[int, int], set[str]],
    tagged: dict[tuple[int, int], set[str]],
    topics: list[str],
) -> tuple[list[Score], Score]:
    """Per-topic scores and the overall (micro-averaged) score, keyed by (meeting id, sequence)."""
    scores = {topic: Score(topic) for topic in topics}
    for key, labelled in gold.items():
        found = tagged.get(key, set())
        where = f"{key[0]}#{key[1]}"
        for topic in labelled & found:
            scores[topic].true_positives += 1
        for topic in found - labelled:
            scores[topic].false_positives += 1
            scores[topic].extras.append(where)
        for topic in labelled - found:
            scores[topic].false_negatives += 1
            scores[topic].misses.append(where)
    overall = Score("Overall")
    for score in scores.values():
        overall.true_positives += score.true_positives
        overall.false_positives += score.false_positives
        overall.false_negatives += score.false_negatives
    return list(scores.values()), overall
