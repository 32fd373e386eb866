"""Errors of SQL tasks: each names the task and the statement (with placeholders, never values).

All derive from :class:`SQLTaskError` (a :class:`taskplug.errors.TaskplugError`); each also
refines the builtin that fits, so ``except ValueError`` / ``ConnectionError`` / ``TypeError``
code keeps working. Secret values (passwords from ``secret_connect_args``) are replaced by
``***`` in every message before it is raised.
"""

from __future__ import annotations

from collections.abc import Iterable

from taskplug.errors import TaskplugError

__all__ = [
    "SQLConnectionError",
    "SQLExecutionError",
    "SQLResultError",
    "SQLTaskError",
    "SQLTemplateError",
    "redact",
]


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class SQLTaskError(TaskplugError):
    """A SQL task failed; ``task`` and ``statement`` say which and what it ran."""

    def __init__(self, problem: str, *, task: str, statement: str) -> None:
        self.problem = problem
        self.task = task
        self.statement = statement
        super().__init__(f"task {task!r}: {problem}\n  statement: {statement}")

    def redacted(self, secrets: Iterable[str]) -> SQLTaskError:
        """The same error with secret values masked in its message."""
        secrets = list(secrets)
        err = type(self).__new__(type(self))
        SQLTaskError.__init__(
            err,
            redact(self.problem, secrets),
            task=self.task,
            statement=redact(self.statement, secrets),
        )
        return err


class SQLTemplateError(SQLTaskError, ValueError):
    """The query template is wrong: unknown or unused input, placeholder in a literal, a bad
    identifier, a missing value."""


class SQLConnectionError(SQLTaskError, ConnectionError):
    """The database could not be reached or opened: unreachable server, connect timeout,
    refused login, missing or corrupt SQLite file."""


class SQLExecutionError(SQLTaskError, RuntimeError):
    """The database refused or failed the statement (syntax error, missing table…)."""


class SQLResultError(SQLTaskError, TypeError):
    """The result does not match the declared output columns."""
