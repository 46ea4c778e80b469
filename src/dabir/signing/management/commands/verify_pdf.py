"""`dabir verify-pdf <file>`: is this PDF a genuine, unaltered letter of this system?"""

from django.core.management.base import BaseCommand, CommandError

from ._common import read_file

MAX_PDF = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Check a PDF file: its PAdES signatures, that it is the exact PDF issued, and the letter's own checks."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **opts):
        try:
            from dabir.signing.pdf import check_uploaded_pdf
        except ImportError:
            self.stdout.write("not available: PDF checking is not installed in this build")
            return
        report = check_uploaded_pdf(read_file(file, MAX_PDF))
        version = getattr(report, "version", None)
        if version is not None:
            letter = version.letter
            self.stdout.write(f"letter {letter.number or letter.pk} version {version.number} code {version.code}")
        for part, ok, message in report.checks:
            self.stdout.write(f"{'OK ' if ok else 'BAD'}\t{part}\t{message}")
        if not report.ok:
            failed = ", ".join(sorted({part for part, ok, _ in report.checks if not ok}))
            raise CommandError(f"نامعتبر — بخش‌های ناسالم: {failed}")
        self.stdout.write("VALID")
