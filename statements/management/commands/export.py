import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from statements import dumps


def day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date: write it as 2023-10-05.") from None


class Command(BaseCommand):
    help = (
        "Dump the whole archive into the directory OUT: meetings with their raw transcripts, "
        "speakers with their aliases and roles, utterances, taggings, the registry and the "
        "topics, a file a table, and a manifest. manage.py import_dump loads it into a new "
        "archive. See statements/dumps.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="A new (or empty) directory.")
        parser.add_argument("--format", choices=dumps.FORMATS, default="jsonl")
        parser.add_argument(
            "--since",
            type=day,
            help="Only the meetings of this day and after (and their utterances); the "
            "registry, topics and speakers whole.",
        )

    def handle(self, *args, **options):
        try:
            manifest = dumps.export(options["out"], options["format"], options["since"])
        except FileExistsError as error:
            raise CommandError(str(error)) from None
        rows = ", ".join(
            f"{listed['rows']:,} {name.replace('_', ' ')}"
            for name, listed in manifest["tables"].items()
        )
        self.stdout.write(f"Dumped into {options['out']}: {rows}.")
