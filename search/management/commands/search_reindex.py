"""manage.py search_reindex — rebuild the compute selection index of the configured backend.

Elasticsearch: fills a new versioned index and moves the alias to it atomically. Database backend:
rebuilds this process's in-process index (a check that it loads; running servers keep their own
index, which follows every change after commit and catches up with other processes by itself).
"""

import time

from django.core.management.base import BaseCommand

from search.backends import get_backend


class Command(BaseCommand):
    help = "Rebuild the compute selection index (Elasticsearch: new index, atomic alias swap)."

    def handle(self, *args, **options):
        backend = get_backend()
        started = time.perf_counter()
        count = backend.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"search_reindex: {count} published resource(s) indexed on the {backend.name} backend "
                f"in {time.perf_counter() - started:.2f} s"
            )
        )
