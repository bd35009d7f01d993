"""Tagging utterances with topics, in the database, a set at a time.

A topic's rules are its terms (words and phrases in web-search syntax, matched through the same
stemmed, accent-folded search vector as search), its exclusions, and how many different terms
must match. Editors' corrections (`TopicOverride`) win over the rules and survive every retag.
Each rule tagging records the terms that matched, so it can explain itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction

from statements.models import Meeting, Topic

# Each statement is limited to a scope: %(meeting)s, %(utterances)s and %(topic)s are NULL for
# "all", and PostgreSQL plans each run with the actual values.
SCOPE = """
    (%(meeting)s::bigint IS NULL OR u.meeting_id = %(meeting)s)
    AND (%(utterances)s::bigint[] IS NULL OR u.id = ANY(%(utterances)s))
"""
RETAG = [
    f"""
    DELETE FROM statements_tagging AS tagging
    USING statements_utterance AS u
    WHERE tagging.utterance_id = u.id AND {SCOPE}
      AND (%(topic)s::bigint IS NULL OR tagging.topic_id = %(topic)s)
    """,
    f"""
    INSERT INTO statements_tagging (utterance_id, topic_id, source, matched)
    SELECT u.id, topic.id, 'rule', array_agg(DISTINCT term ORDER BY term)
    FROM statements_topic AS topic
    CROSS JOIN LATERAL unnest(topic.terms) AS term
    JOIN statements_utterance AS u ON u.search_vector @@ archive_query(term)
    WHERE {SCOPE}
      AND (%(topic)s::bigint IS NULL OR topic.id = %(topic)s)
      AND NOT EXISTS (
          SELECT 1 FROM unnest(topic.exclusions) AS exclusion
          WHERE u.search_vector @@ archive_query(exclusion))
      AND NOT EXISTS (
          SELECT 1 FROM statements_topicoverride AS override
          WHERE override.utterance_id = u.id AND override.topic_id = topic.id)
    GROUP BY u.id, topic.id, topic.min_matches
    HAVING count(DISTINCT term) >= topic.min_matches
    """,
    f"""
    INSERT INTO statements_tagging (utterance_id, topic_id, source, matched)
    SELECT override.utterance_id, override.topic_id, 'manual', '{{}}'
    FROM statements_topicoverride AS override
    JOIN statements_utterance AS u ON u.id = override.utterance_id
    WHERE override.applies AND {SCOPE}
      AND (%(topic)s::bigint IS NULL OR override.topic_id = %(topic)s)
    """,
]


def retag(
    meeting: Meeting | None = None,
    utterance_ids: list[int] | None = None,
    topic: Topic | None = None,
) -> int:
    """Re-apply the topics' rules and corrections, to everything or to a part (one meeting, some
    utterances, one topic); the number of taggings that result."""
    params = {
        "meeting": meeting.pk if meeting else None,
        "utterances": list(utterance_ids) if utterance_ids is not None else None,
        "topic": topic.pk if topic else None,
    }
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in RETAG:
            cursor.execute(statement, params)
            if statement.lstrip().startswith("INSERT"):
                count += cursor.rowcount
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
