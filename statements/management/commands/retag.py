import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from statements.models import Topic
from statements.topics import retag


class Command(BaseCommand):
    help = (
        "Re-apply every topic's rules to every utterance, after the rules change. Editors' "
        "corrections are kept."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        total = retag()
        seconds = time.perf_counter() - started
        for topic in Topic.objects.annotate(n=Count("taggings")).order_by("-n", "name"):
            self.stdout.write(f"{topic.n:>8}  {topic.name}")
        self.stdout.write(f"{total} taggings in {seconds:.2f} s.")
