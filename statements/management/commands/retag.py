import os
import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from statements import place_tags, search_index
from statements.models import Place, Topic
from statements.topics import CHUNK, Timing, retag


class Command(BaseCommand):
    help = (
        "Re-apply every theme's rules and the gazetteer's places to every utterance, after the "
        "rules or data/places.json change: the utterances are read "
        f"{CHUNK:,} at a time, tagged in Python, and each chunk's taggings written as a set, in "
        "one transaction. Editors' corrections are kept. The search index is synced after."
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
        changed = place_tags.retag(sync=False)
        seconds = time.perf_counter() - started
        places = Place.objects.annotate(n=Count("taggings")).filter(n__gt=0).order_by("-n")
        for place in places[:20]:
            self.stdout.write(f"{place.n:>8}  {place.name}")
        self.stdout.write(f"Places: {changed:,} taggings changed in {seconds:.2f} s.")
        started = time.perf_counter()
        synced = search_index.sync()
        self.stdout.write(
            f"Search index synced in {time.perf_counter() - started:.1f} s: {synced.applied:,} "
            "utterances written again."
        )
