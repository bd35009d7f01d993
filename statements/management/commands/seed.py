from django.core.management.base import BaseCommand

from statements.seed import seed


class Command(BaseCommand):
    help = (
        "Seed a new archive with the registry (publishers, offices, people) and themes of "
        "statements/data. Each is seeded "
        "once, ever: run again, or on a database restored from a dump, it does nothing."
    )

    def handle(self, *args, **options):
        notes: list[str] = []
        done = seed(notes)
        self.stdout.write(f"Seeded: {', '.join(done)}." if done else "Already seeded.")
        for note in notes:
            self.stdout.write(note)
