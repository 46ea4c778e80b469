from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "dabir.signing"
    label = "signing"
    verbose_name = "امضای الکترونیکی"

    def ready(self):
        # The letter workflow approves and returns through these (letters may not import signing).
        from dabir.letters import circuit

        from . import services

        circuit.register(services)

        from dabir.core import cleanup

        cleanup.register_file_fields("letters", ("signing.LetterVersion", "pdf"))
        cleanup.register_file_fields("signatures", ("signing.SignatureImage", "image"))
