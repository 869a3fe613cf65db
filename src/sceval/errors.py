"""User-facing errors: one clear line, an exit code, never a traceback."""

from __future__ import annotations


class ScevalError(Exception):
    """An error the user can act on; the CLI prints it as one line and exits with `exit_code`."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ScevalError):
    """Bad flag, missing file, unknown id: exit 2."""

    exit_code = 2


class InvalidDataError(ScevalError):
    """Input data broke the contract: exit 1, nothing stored."""

    exit_code = 1


class ProjectError(ScevalError):
    """A project file (catalogue, contract, model, check) is malformed: exit 2."""

    exit_code = 2
