"""Scan the deployment: pip-audit on the installed packages, bandit on the project's code; store the result.

    manage.py security_scan                      # both, on this deployment
    manage.py security_scan --skip-code          # dependencies only
    manage.py security_scan --requirement requirements.txt --skip-code
    manage.py security_scan --path security --skip-dependencies

Offline-safe: when the vulnerability database cannot be reached the scan is stored as incomplete
with the reason, and the command says so (exit status 0; --strict makes it 1).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from security.models import VulnerabilityScan
from security.services import vulnerability_scan_run


class Command(BaseCommand):
    help = "Run pip-audit and bandit on this deployment and store a VulnerabilityScan with its findings."

    def add_arguments(self, parser):
        parser.add_argument("--skip-dependencies", action="store_true", help="do not run pip-audit")
        parser.add_argument("--skip-code", action="store_true", help="do not run bandit")
        parser.add_argument("--requirement", type=Path, help="audit this pinned requirements file, not the environment")
        parser.add_argument("--path", action="append", type=Path, help="code to scan (repeatable)")
        parser.add_argument("--strict", action="store_true", help="exit 1 unless the scan is clean")

    def handle(self, *args, **options):
        if options["skip_dependencies"] and options["skip_code"]:
            raise CommandError("nothing to do: both scanners skipped")
        if options["requirement"] and not options["requirement"].exists():
            raise CommandError(f"no such requirements file: {options['requirement']}")
        scan = vulnerability_scan_run(
            dependencies=not options["skip_dependencies"],
            code=not options["skip_code"],
            requirement=options["requirement"],
            code_paths=options["path"],
        )
        style = {
            VulnerabilityScan.Status.CLEAN: self.style.SUCCESS,
            VulnerabilityScan.Status.FINDINGS: self.style.WARNING,
            VulnerabilityScan.Status.INCOMPLETE: self.style.WARNING,
        }.get(scan.status, self.style.ERROR)
        self.stdout.write(style(f"scan {scan.pk}: {scan.get_status_display()} ({scan.status})"))
        self.stdout.write(scan.message)
        for finding in scan.findings.all()[:50]:
            self.stdout.write(
                f"  [{finding.tool}] {finding.identifier} {finding.severity} {finding.package} {finding.version}"
            )
        total = scan.findings.count()
        if total > 50:
            self.stdout.write(f"  … {total - 50} more (see the admin or /security/)")
        if options["strict"] and scan.status != VulnerabilityScan.Status.CLEAN:
            raise CommandError(f"scan {scan.pk} is {scan.status}")
