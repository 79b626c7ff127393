"""CPU time of `manage.py migrate` on an empty SQLite file, per app and per migration (slowest first).

Usage: ``python bench/migrate_cpu.py /tmp/empty.sqlite3`` (the file is removed first). Test settings,
as the test database is made. Prints the total and where it goes: what a test worker pays before its
first test.
"""

import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(path: str) -> None:
    Path(path).unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = path
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    started = time.process_time()
    django.setup()
    print(f"django.setup {time.process_time() - started:.2f} s CPU")
    from django.core.management import call_command
    from django.core.management.commands import migrate

    times, mark = [], {}

    def progress(self, action, migration=None, fake=False):
        if action.endswith("_start"):
            mark["t"] = time.process_time()
        elif action.endswith("_success") and migration is not None:
            times.append((time.process_time() - mark["t"], migration.app_label, migration.name))

    migrate.Command.migration_progress_callback = progress
    started = time.process_time()
    call_command("migrate", verbosity=0)
    print(f"migrate {time.process_time() - started:.2f} s CPU, {len(times)} migrations")
    per_app = collections.Counter()
    for seconds, app, _ in times:
        per_app[app] += seconds
    for app, seconds in per_app.most_common():
        print(f"{seconds:7.2f} {app}")
    print("-- slowest migrations")
    for seconds, app, name in sorted(times, reverse=True)[:15]:
        print(f"{seconds:7.2f} {app}.{name}")


if __name__ == "__main__":
    main(sys.argv[1])
