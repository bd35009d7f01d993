import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from statements.ingest import content_hash
from statements.models import Meeting, Tagging, Topic
from statements.topics import evaluate

LABELS = settings.BASE_DIR / "tests" / "fixtures" / "topics" / "labels.json"
SAMPLES = settings.BASE_DIR / "samples" / "transcripts"


class Command(BaseCommand):
    help = (
        "Measure the topic rules against hand-labelled utterances of the sample transcripts "
        "(which must be ingested): precision and recall per topic and overall."
    )

    def add_arguments(self, parser):
        parser.add_argument("--labels", type=Path, default=LABELS)
        parser.add_argument("--samples", type=Path, default=SAMPLES)
        parser.add_argument("--details", action="store_true", help="List misses and extras.")

    def handle(self, *args, **options):
        gold = load_gold(options["labels"], options["samples"])
        tagged: dict[tuple[int, int], set[str]] = {}
        for meeting_id, sequence, topic in Tagging.objects.filter(
            utterance__meeting_id__in={meeting for meeting, _ in gold}
        ).values_list("utterance__meeting_id", "utterance__sequence", "topic__name"):
            tagged.setdefault((meeting_id, sequence), set()).add(topic)
        scores, overall = evaluate(gold, tagged, list(Topic.objects.values_list("name", flat=True)))
        overall.topic = "Overall (micro-averaged)"

        self.stdout.write(
            f"{'topic':<46} {'labelled':>8} {'tagged':>7} {'precision':>9} {'recall':>7}"
        )
        for score in sorted(scores, key=lambda s: s.topic):
            if score.labelled or score.tagged:
                self.stdout.write(row(score))
            if options["details"] and (score.misses or score.extras):
                self.stdout.write(f"    missed: {', '.join(score.misses) or '-'}")
                self.stdout.write(f"    extra:  {', '.join(score.extras) or '-'}")
        self.stdout.write(row(overall))
        self.stdout.write(f"{len(gold)} hand-labelled utterances.")


def row(score) -> str:
    return (
        f"{score.topic:<46} {score.labelled:>8} {score.tagged:>7} "
        f"{score.precision:>9.2f} {score.recall:>7.2f}"
    )


def load_gold(labels: Path, samples: Path) -> dict[tuple[int, int], set[str]]:
    """The hand labels, keyed by (meeting id, sequence) of the ingested samples."""
    data = json.loads(labels.read_text(encoding="utf-8"))
    meetings = {}
    for entry in data["labels"]:
        name = entry["file"]
        if name not in meetings:
            digest = content_hash((samples / name).read_text(encoding="utf-8"))
            meeting = Meeting.objects.filter(content_hash=digest).first()
            if meeting is None:
                raise CommandError(f"{name} is not in the archive: ingest the samples first.")
            meetings[name] = meeting.pk
    return {
        (meetings[entry["file"]], entry["sequence"]): set(entry["topics"])
        for entry in data["labels"]
    }
