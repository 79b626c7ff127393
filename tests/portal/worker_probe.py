"""A task for the worker tests: it notes each start and each finish in a file, and holds (until a release
file appears) so a test can kill the worker while it runs."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def probe(marker: str, release: str = "") -> str:
    with open(marker, "a") as out:
        out.write(f"start {os.getpid()}\n")
    while release and not Path(release).exists():
        time.sleep(0.05)
    with open(marker, "a") as out:
        out.write(f"done {os.getpid()}\n")
    return "done"
