import os
import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from statements import search_index
from statements.models import Topic
from statements.topics import CHUNK, Timing, retag


class Command(BaseCommand):
    help = (
        "Re-apply every theme's rules to every utterance, after the rules change: the utterances "
        f"are read {CHUNK:,} at a time, tagged in Python, and each chunk's taggings written as "
        "a set, in one transaction. Editors' corrections are kept. The search index is synced "
        "after."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        timing = Timing()
        total = retag(sync=False, timing=timing)
        seconds = time.perf_counter() - started
        for topic in Topic.objects.annotate(n=Count("taggings")).order_by("-n", "name"):
            self.stdout.write(f"{topic.n:>8}  {topic.name}")
        self.stdout.write(
            f"{total} taggings in {seconds:.2f} s: {timing.utterances:,} utterances, "
            f"{timing.utterances / max(seconds, 1e-9):,.0f} a second (reading "
            f"{timing.reading:.1f} s, matching {timing.matching:.1f} s, writing "
            f"{timing.writing:.1f} s; load average {os.getloadavg()[0]:.1f})."
        )
        started = time.perf_counter()
        synced = search_index.sync()
        self.stdout.write(
            f"Search index synced in {time.perf_counter() - started:.1f} s: {synced.applied:,} "
            "utterances written again."
        )
