"""The installed package's version (one place, importable from every layer)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("virality")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
