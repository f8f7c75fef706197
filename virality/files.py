"""Files, safely: the package's one atomic write, and the one way to open a file for reading.

A file is written to a fresh temporary name beside it (created exclusively, so it never follows a
planted link or reuses another writer's file), flushed to disk, then renamed over the target: a reader
sees the old file or the new one, never half of it. Permissions follow the process umask, as for a
plain ``open()``, without changing the umask. A file to read must be a regular file
(:func:`_open_regular`): a pipe, directory or device is refused before it is opened.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any, Iterable

from .errors import InputError

__all__ = ["atomic_write", "temporary_path"]


def temporary_path(target: Path) -> Path:
    """A fresh, unused name beside ``target`` (hidden, random suffix) for a file or folder to rename into place."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def atomic_write(path: str | Path, data: bytes | str | Iterable[bytes]) -> None:
    """Write ``data`` (text is UTF-8; or an iterable of byte chunks, for a file too big to hold whole) to
    ``path`` atomically.

    Raises the ``OSError`` of the failing step (no space left, read-only folder, ...); no temporary
    file is left behind.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, "hello\\n"); p.read_text()
    'hello\\n'
    """
    path = Path(path)
    chunks = [data.encode("utf-8")] if isinstance(data, str) else [data] if isinstance(data, bytes) else data
    tmp = temporary_path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)  # exclusive: never an existing file or link; the umask applies
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------- reading
_GZIP_MAGIC = b"\x1f\x8b"

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: Path, mode: int) -> InputError:
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    return InputError(f"{path}: is {kind}; expected a regular file")


def _open_regular(path: Path) -> tuple[Any, int]:
    """Open ``path`` for reading if it is a regular file: ``(binary file object, size)``.

    ``os.stat`` comes first, so a FIFO, a directory or a device is rejected without being opened (opening
    a FIFO would wait for a writer; a device can be endless). The file is opened non-blocking and checked
    again, in case it was replaced in between.
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise _not_regular(path, st.st_mode)
    return os.fdopen(fd, "rb"), st.st_size
