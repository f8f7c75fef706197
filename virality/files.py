"""Writing files safely: the package's one atomic write.

A file is written to a fresh temporary name beside it (created exclusively, so it never follows a
planted link or reuses another writer's file), flushed to disk, then renamed over the target: a reader
sees the old file or the new one, never half of it. Permissions follow the process umask, as for a
plain ``open()``, without changing the umask.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Iterable

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
