from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from statements import dumps


class Command(BaseCommand):
    help = (
        "Load a dump made by manage.py export into this database, which must be new: migrated, "
        "not seeded (the dump brings the registry and topics, and the record of their "
        "seeding). Then builds the search index."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", type=Path, help="The dump's directory.")

    def handle(self, *args, **options):
        try:
            loaded = dumps.load(options["dump"])
        except dumps.DumpError as error:
            raise CommandError(str(error)) from None
        rows = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in loaded.items())
        self.stdout.write(f"Loaded {rows}; the search index is built.")
