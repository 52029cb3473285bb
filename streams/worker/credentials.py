"""The worker's faust `broker_credentials`, from the same settings as every other client."""

from __future__ import annotations

import faust
from faust.types.auth import CredentialsT

from streams.kafka.security import check_sasl, ssl_context, uses_sasl
from tierstream.settings import Settings


def faust_credentials(settings: Settings) -> CredentialsT | None:
    """The worker's `broker_credentials` (None: plaintext, no authentication)."""
    context = ssl_context(settings)
    if uses_sasl(settings):
        check_sasl(settings)
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=settings.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
