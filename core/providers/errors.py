"""The errors a fine-tuning provider raises, in one hierarchy (all are `BloomtuneError`, so the CLI prints one line).

    ProviderError            the provider refused or failed a call; `retryable` says whether to try again later
    ├── AuthError            the credentials were refused (401/403): fix the named setting
    ├── QuotaError           rate limit or quota (429): try again after `retry_after` seconds (retryable)
    ├── InvalidDataError     the training file or a parameter was rejected (400/422)
    ├── ModelUnavailableError the base model does not exist, cannot be tuned, or is closed to new jobs (404)
    └── TransientError       5xx, timeout or a dropped connection (retryable)

Every message is written for the person at the keyboard: what happened at which provider and what to do next.
The worker keeps the job on a retryable error and marks it failed on the others.
"""

from __future__ import annotations

from core.errors import BloomtuneError


class ProviderError(BloomtuneError):
    """A provider call failed; `retryable` errors leave the job waiting for the next poll."""

    retryable = False

    def __init__(self, message: str, *, provider: str = "", status_code: int | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.status_code = status_code


class AuthError(ProviderError):
    """The provider refused the credentials."""


class QuotaError(ProviderError):
    """Rate limited or out of quota; `retry_after` is the provider's hint in seconds, when it gave one."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status_code: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status_code=status_code)
        self.retry_after = retry_after


class InvalidDataError(ProviderError):
    """The provider rejected the training data or a hyperparameter."""


class ModelUnavailableError(ProviderError):
    """The base model is unknown to the provider, not tunable, or closed to new jobs."""


class TransientError(ProviderError):
    """A server error, timeout or dropped connection: the same call may well succeed later."""

    retryable = True
