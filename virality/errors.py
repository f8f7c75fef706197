"""The two exception types a user sees as one line.

Everything a user can get wrong (a config key, an edge-list line, a parameter value) raises
:class:`InputError` with a message that names the file, key or line, the bad value and what is allowed;
the CLI prints it on one line and exits with status 2. What the machine or another process refuses (no
space left, a read-only folder, a results folder another run holds, an unreachable scheduler) raises
:class:`RunError`; the CLI prints it on one line and exits with status 1. Neither prints a traceback.
"""

__all__ = ["InputError", "RunError", "is_interrupt"]


class InputError(ValueError):
    """Bad input: a parameter, a config file or a data file that cannot be used as given."""


class RunError(RuntimeError):
    """The environment stopped a run: a full disk, a read-only or busy folder, a lost scheduler."""


def is_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is behind ``exc``: Ctrl-C while a numba kernel calls back into Python
    surfaces as a SystemError caused by the KeyboardInterrupt."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False
