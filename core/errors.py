"""The exceptions Bloomtune raises on purpose, in one hierarchy.

    BloomtuneError            a handled error: the CLI prints its message on one line and exits 1,
    ├── ConfigError           a setting is missing or invalid
    ├── DatabaseNotReady      the database is unreachable or not migrated to the newest revision
    ├── InputError            a file, format or argument supplied by the user is unusable
    ├── PermissionDenied      the signed-in role may not perform the action
    ├── AuthenticationFailed  a sign-in was refused (one generic message, whatever the cause)
    ├── NotFound              the named thing (an interaction, an experiment, an API key) does not exist
    └── ConflictError         someone else saved the same thing since it was loaded; nothing was overwritten

Messages are written for the person at the keyboard: what happened and what to do next.
"""


class BloomtuneError(Exception):
    """Base of every error that is the user's to fix rather than a bug."""


class ConfigError(BloomtuneError):
    """A setting is missing, a placeholder, or invalid."""


class DatabaseNotReady(BloomtuneError):
    """The database cannot be used yet (unreachable, or migrations not applied)."""


class InputError(BloomtuneError):
    """A path, format or argument given by the user cannot be used."""


class PermissionDenied(BloomtuneError):
    """The principal's role does not allow the requested action."""


class AuthenticationFailed(BloomtuneError):
    """A sign-in was refused. The message never says whether the email, the password or a lock was at fault."""


class NotFound(BloomtuneError):
    """The interaction, experiment or key the caller named does not exist."""


class ConflictError(BloomtuneError):
    """A save was refused because the record changed since the editor loaded it (optimistic concurrency)."""
