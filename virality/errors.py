"""The one exception type for bad user input.

Everything a user can get wrong (a config key, an edge-list line, a parameter value) raises
:class:`InputError` with a message that names the file, key or line, the bad value and what is allowed.
The CLI prints that message on one line and exits with status 2, without a traceback.
"""

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input: a parameter, a config file or a data file that cannot be used as given."""
