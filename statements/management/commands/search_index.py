import time

from django.core.management.base import BaseCommand

from statements import search_index


class Command(BaseCommand):
    help = (
        "Bring the search index up to date with the database: apply the writes waiting in its "
        "outbox (building it when it is missing), or with --rebuild make it anew."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="index every utterance anew, from the database"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["rebuild"]:
            count = search_index.rebuild()
            done = f"Indexed {count:,} utterances"
        else:
            synced = search_index.sync()
            done = (
                "Rebuilt the index"
                if synced.rebuilt
                else f"Applied {synced.applied:,} changed utterances"
            )
        size = sum(f.stat().st_size for f in search_index.path().rglob("*") if f.is_file())
        self.stdout.write(
            f"{done} in {time.perf_counter() - started:.1f} s; the index takes "
            f"{size / 1e6:,.0f} MB in {search_index.path()}."
        )
