"""Errors a user can cause, each tied to the exit code the README documents."""

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_QUALITY = 4


class UserError(Exception):
    """A problem the user can fix; the CLI prints the message and exits with `exit_code`.

    `verbose`: the message with names that may be personal (file or sheet names), printed
    instead with --verbose."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, verbose: str | None = None):
        super().__init__(message)
        self.verbose = verbose


class UsageError(UserError):
    """Bad option, bad config file, bad --since/--as-of: exit 2."""

    exit_code = EXIT_USAGE


class InputError(UserError):
    """Missing or unreadable input, missing table or required column: exit 3."""

    exit_code = EXIT_INPUT


class QualityError(UserError):
    """Data-quality findings with --strict, or a warning of a kind --fail-on names: exit 4
    (after the output is written)."""

    exit_code = EXIT_QUALITY


class OutputError(UserError):
    """The output cannot be written (folder not writable, disk full, locked): exit 3."""

    exit_code = EXIT_INPUT
