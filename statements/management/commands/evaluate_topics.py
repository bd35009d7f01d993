"""How well the theme rules and the gazetteer tag real turns, against hand labels.

The labels (tests/fixtures/topics/labels.jsonl, described in its README) name corpus turns by
file and sequence. Each labelled turn is found in the shared corpus as ingest finds it (decoded,
parsed, numbered from 1) and checked against the label's text_sha1, then tagged by the rules of
statements/data/topics.json (`--rules database`: the archive's own) and by
`gazetteer().about()`. No database is needed for that; coverage, the share of the archive's
turns of 40 words or more that have a theme, is read from the database when there is one.

The sets are reported apart: the rules were tuned on the dev half and then on the held-out half
too; the final set was never looked at while tuning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from statements import parser
from statements.ingest import decode
from statements.models import Topic
from statements.places import gazetteer
from statements.seed import themes
from statements.topics import Rules, Theme, evaluate, parse_term

LABELS = settings.BASE_DIR / "tests" / "fixtures" / "topics" / "labels.jsonl"
HALVES = {
    "dev": "dev half: the rules were tuned on these turns",
    "heldout": "held-out half: evaluated once, then tuned on too",
    "final": "final set: never looked at while tuning, evaluated once the rules were frozen",
}
# Coverage counts turns of this many words or more.
SUBSTANTIVE = 40
BRIEFING = "briefing-business"


def file_rules() -> Rules:
    """The rules as shipped in statements/data/topics.json."""
    return Rules(
        Theme(
            theme["slug"],
            theme["slug"],
            theme.get("min_mentions", 2),
            tuple(parse_term(term) for term in theme.get("terms", [])),
            tuple(parse_term(term) for term in theme.get("exclude", [])),
            theme.get("alone", False),
        )
        for theme in themes()
    )


class Corpus:
    """The corpus's turns by (file, sequence), parsed as ingest parses them, and its dates."""

    def __init__(self, root: Path, texts: Path | None):
        manifest = root / "manifest.jsonl"
        self.tarball = root / "transcripts.tar.xz"
        if not manifest.is_file() or not (texts or self.tarball.is_file()):
            raise FileNotFoundError(root)
        self.dates = {}
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                self.dates[entry["file"]] = dt.date.fromisoformat(entry["date"])
        self.texts = texts

    def turns(self, files: set[str]) -> dict[str, list]:
        """Each file's turns, in order."""
        data: dict[str, bytes] = {}
        if self.texts is not None:
            data = {name: (self.texts / name).read_bytes() for name in files}
        else:
            with tarfile.open(self.tarball) as archive:
                for member in archive:
                    name = member.name.removeprefix("./")
                    if name in files and member.isfile():
                        data[name] = archive.extractfile(member).read()
        return {name: parser.parse(decode(raw, name)).turns for name, raw in data.items()}


class Command(BaseCommand):
    help = (
        "Measure the theme rules and the places found against the hand labels of corpus turns "
        "(tests/fixtures/topics/labels.jsonl), each half apart, and the archive's coverage."
    )

    def add_arguments(self, parser):
        parser.add_argument("--labels", type=Path, default=LABELS)
        parser.add_argument(
            "--split",
            choices=["dev", "heldout", "final", "both", "all"],
            default="all",
            help="Which set: both is dev and heldout, all adds final.",
        )
        parser.add_argument(
            "--texts", type=Path, help="The corpus unpacked (faster than reading its tarball)."
        )
        parser.add_argument(
            "--rules",
            choices=["file", "database"],
            default="file",
            help="The rules of statements/data/topics.json, or the archive's Topic rows.",
        )
        parser.add_argument("--details", action="store_true", help="List misses and extras.")
        parser.add_argument("--no-coverage", action="store_true", help="Skip the database.")

    def handle(self, *args, **options):
        try:
            corpus = Corpus(Path(settings.SHARED_CORPUS), options["texts"])
        except FileNotFoundError:
            self.stdout.write(
                f"Skipped: no shared corpus at {settings.SHARED_CORPUS} (set CORPUS_DIR): the "
                "labels name corpus turns, whose texts are not in the project."
            )
            return
        labels = [
            json.loads(line)
            for line in options["labels"].read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        halves = {"both": ["dev", "heldout"], "all": list(HALVES)}.get(
            options["split"], [options["split"]]
        )
        labels = [label for label in labels if label["split"] in halves]
        if not labels:
            raise CommandError(f"No labels of the {' or '.join(halves)} half.")
        if options["rules"] == "database":
            rules = Rules.from_topics(Topic.objects.all())
        else:
            rules = file_rules()
        turns = corpus.turns({label["file"] for label in labels})
        places = gazetteer()
        for half in halves:
            gold_themes, found_themes, gold_places, found_places = {}, {}, {}, {}
            for label in (label for label in labels if label["split"] == half):
                key = f"{label['file']}#{label['sequence']}"
                listed = turns.get(label["file"], [])
                turn = listed[label["sequence"] - 1] if label["sequence"] <= len(listed) else None
                text = turn.text if turn else ""
                if hashlib.sha1(text.encode("utf-8")).hexdigest() != label["text_sha1"]:
                    raise CommandError(f"{key}: the corpus's turn is not the one labelled.")
                gold_themes[key] = set(label["themes"])
                found_themes[key] = {
                    match.theme.slug
                    for match in rules.match(text, corpus.dates.get(label["file"]), None)
                }
                gold_places[key] = set(label["places"])
                found_places[key] = {place.slug for place in places.about(text)}
            self.report(half, gold_themes, found_themes, gold_places, found_places, options)
        if not options["no_coverage"]:
            self.coverage()

    def report(self, half, gold_themes, found_themes, gold_places, found_places, options):
        write = self.stdout.write
        write(f"== {HALVES[half]} ({len(gold_themes)} turns)")
        scores, overall = evaluate(gold_themes, found_themes, [])
        write(f"Themes: {figures(overall)}")
        without = {k: v - {BRIEFING} for k, v in gold_themes.items()}
        _, substantive = evaluate(without, {k: v - {BRIEFING} for k, v in found_themes.items()}, [])
        write(f"Themes but briefing business: {figures(substantive)}")
        write(f"  {'theme':<38} {'support':>7} {'tagged':>6} {'P':>5} {'R':>5}")
        for score in sorted(scores, key=lambda s: (-s.labelled, s.topic)):
            write(
                f"  {score.topic:<38} {score.labelled:>7} {score.tagged:>6} "
                f"{score.precision:>5.2f} {score.recall:>5.2f}"
            )
            if options["details"]:
                if score.misses:
                    write(f"      missed: {', '.join(score.misses)}")
                if score.extras:
                    write(f"      extra:  {', '.join(score.extras)}")
        _, places = evaluate(gold_places, found_places, [])
        write(f"Places: {figures(places)}")

    def coverage(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT count(*),
                           count(*) FILTER (WHERE EXISTS (
                               SELECT 1 FROM statements_tagging AS t
                               WHERE t.utterance_id = u.id)),
                           count(*) FILTER (WHERE EXISTS (
                               SELECT 1 FROM statements_tagging AS t
                               JOIN statements_topic AS topic ON topic.id = t.topic_id
                               WHERE t.utterance_id = u.id AND topic.slug <> %s))
                    FROM statements_utterance AS u WHERE u.word_count >= %s
                    """,
                    [BRIEFING, SUBSTANTIVE],
                )
                turns, themed, substantive = cursor.fetchone()
        except DatabaseError as error:
            self.stdout.write(f"Coverage: skipped, no database ({error.__class__.__name__}).")
            return
        if not turns:
            self.stdout.write(f"Coverage: the archive has no turn of {SUBSTANTIVE} words or more.")
            return
        self.stdout.write(
            f"Coverage: {themed / turns:.1%} of the archive's {turns:,} turns of {SUBSTANTIVE} "
            f"words or more have a theme ({substantive / turns:.1%} one other than briefing "
            "business)."
        )


def figures(score) -> str:
    return (
        f"precision {score.precision:.2f}, recall {score.recall:.2f}, F1 {score.f1:.2f} "
        f"({score.true_positives} right, {score.false_positives} wrong, "
        f"{score.false_negatives} missed)"
    )
