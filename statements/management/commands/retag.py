import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from statements import place_tags
from statements.models import Place, Topic
from statements.topics import retag


class Command(BaseCommand):
    help = (
        "Re-apply every topic's rules and the gazetteer's places to every utterance, after the "
        "rules or data/places.json change. Editors' corrections are kept."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        total = retag()
        seconds = time.perf_counter() - started
        for topic in Topic.objects.annotate(n=Count("taggings")).order_by("-n", "name"):
            self.stdout.write(f"{topic.n:>8}  {topic.name}")
        self.stdout.write(f"{total} taggings in {seconds:.2f} s.")
        started = time.perf_counter()
        changed = place_tags.retag()
        seconds = time.perf_counter() - started
        places = Place.objects.annotate(n=Count("taggings")).filter(n__gt=0).order_by("-n")
        for place in places[:20]:
            self.stdout.write(f"{place.n:>8}  {place.name}")
        self.stdout.write(f"Places: {changed} taggings changed in {seconds:.2f} s.")
