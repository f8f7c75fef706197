"""The readers against hostile or absurd input: what is not a regular file, gzip bombs, oversized text,
headers that claim absurd sizes. Each must be a quick InputError, not a hang or a MemoryError."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import stat
import threading
import tracemalloc
from pathlib import Path

import pytest

import virality.io as vio
from virality.cli import main
from virality.errors import InputError
from virality.io import read_edgelist, read_labels

READERS = [read_edgelist, read_labels]
MiB = 1 << 20


def finishes(fn, *args, seconds: float = 20.0, release: Path | None = None, **kwargs) -> BaseException | None:
    """Run ``fn`` in a daemon thread; the exception it raised (None if none), or fail if it hangs.

    A reader stuck opening the FIFO ``release`` is freed by opening its write end.
    """
    outcome: list[BaseException | None] = []

    def target():
        try:
            fn(*args, **kwargs)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if release is not None:
            with contextlib.suppress(OSError):
                os.close(os.open(release, os.O_WRONLY | os.O_NONBLOCK))
            thread.join(5)
        pytest.fail(f"{fn.__name__} did not return within {seconds} s")
    return outcome[0]


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(vio, "MAX_DECOMPRESSED_BYTES", MiB)
    return MiB


@pytest.fixture
def no_open_of(monkeypatch):
    """Fail a test when the reader opens a given path: the type check must come before open()."""
    forbidden: list[str] = []
    real = os.open

    def spy(path, *args, **kwargs):
        if os.fspath(path) in forbidden:
            raise AssertionError(f"opened {path} before checking it is a regular file")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    return forbidden


# ---------------------------------------------------------------------------------------------- file types
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("reader", READERS)
def test_fifo_rejected_before_open(tmp_path, reader, no_open_of):
    fifo = tmp_path / "edges.txt"
    os.mkfifo(fifo)
    no_open_of.append(str(fifo))
    exc = finishes(reader, fifo, release=fifo)
    assert isinstance(exc, InputError), exc
    assert str(exc) == f"{fifo}: is a named pipe (FIFO); expected a regular file"


@pytest.mark.parametrize("reader", READERS)
def test_directory_rejected(tmp_path, reader, no_open_of):
    folder = tmp_path / "edges.txt"
    folder.mkdir()
    no_open_of.append(str(folder))
    exc = finishes(reader, folder)
    assert isinstance(exc, InputError) and str(exc) == f"{folder}: is a directory; expected a regular file"


@pytest.mark.parametrize("device", ["/dev/urandom", "/dev/zero", "/dev/null"])
def test_device_rejected(device, small_cap, no_open_of):
    if not os.path.exists(device) or not stat.S_ISCHR(os.stat(device).st_mode):
        pytest.skip(f"no {device} here")
    no_open_of.append(device)
    for reader in READERS:
        exc = finishes(reader, device)  # endless devices: the small cap bounds a regression
        assert isinstance(exc, InputError) and str(exc) == f"{device}: is a character device; expected a regular file"


def test_symlink_to_a_regular_file_is_fine(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("0 1\n1 2\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert read_edgelist(link).m == 2


# ---------------------------------------------------------------------------------------------- size caps
def test_default_cap_is_a_fraction_of_memory():
    phys = vio._physical_memory()
    if phys is None:
        assert vio.MAX_DECOMPRESSED_BYTES == 4 << 30
    else:
        assert vio.MAX_DECOMPRESSED_BYTES == phys // 16


@pytest.mark.parametrize("name", ["bomb.txt.gz", "bomb.dat"])  # by suffix, and by magic bytes alone
def test_gzip_bomb_stops_at_the_cap(tmp_path, small_cap, name, monkeypatch):
    path = tmp_path / name
    path.write_bytes(gzip.compress(b"0 1\n" * (16 * MiB), compresslevel=9))  # 64 MiB of text
    assert path.stat().st_size < MiB // 4
    produced = []
    real_read = gzip.GzipFile.read

    def counting_read(self, size=-1):
        chunk = real_read(self, size)
        produced.append(len(chunk))
        return chunk

    monkeypatch.setattr(gzip.GzipFile, "read", counting_read)
    for reader in READERS:
        produced.clear()
        tracemalloc.start()
        try:
            with pytest.raises(InputError) as info:
                reader(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        message = str(info.value)
        assert message.startswith(f"{path}: decompresses to more than the limit of 1048576 bytes (1.0 MiB)")
        assert "MAX_DECOMPRESSED_BYTES" in message
        assert sum(produced) <= small_cap + 1  # decompression stopped at the cap, not at 64 MiB
        assert peak < 16 * MiB


def test_gzip_under_the_cap_reads(tmp_path, small_cap):
    path = tmp_path / "ok.txt.gz"
    path.write_bytes(gzip.compress(b"0 1\n1 2\n" * 1000))
    assert read_edgelist(path).m == 2000
    # multi-member gzip (files concatenated with cat) still reads whole
    path.write_bytes(gzip.compress(b"0 1\n") + gzip.compress(b"1 2\n"))
    assert read_edgelist(path).m == 2


def test_plain_file_over_the_cap(tmp_path, small_cap):
    path = tmp_path / "big.txt"
    path.write_bytes(b"0 1\n" * (small_cap // 4 + 1))
    for reader in READERS:
        with pytest.raises(InputError, match=rf"big\.txt: is {small_cap + 4} bytes, more than the limit of "
                                             rf"{small_cap} bytes"):
            reader(path)
    path.write_bytes(b"0 1\n" * (small_cap // 4))  # exactly at the cap: fine
    assert read_edgelist(path).m == small_cap // 4


def test_error_quotes_only_the_start_of_a_huge_line(tmp_path):
    path = tmp_path / "long.txt"
    path.write_bytes(b"0 1\n" + b"7 " * 500_000 + b"\n")
    with pytest.raises(InputError) as info:
        read_edgelist(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: expected 'u v' or 'u v weight'") and len(message) < 500
    assert message.endswith("...'")


def test_one_huge_id_among_many_is_bounded(tmp_path, small_cap):
    lines = [f"n{i} n{i + 1}" for i in range(2000)] + ["n0 " + "x" * 100_000]
    path = tmp_path / "wide.txt"
    path.write_text("\n".join(lines) + "\n")
    # 2002 distinct ids as wide as the longest would be a 764 MiB array of labels
    with pytest.raises(InputError, match=r"wide\.txt:2001: expected shorter ids: 2002 distinct ids as long as the "
                                         r"100000-byte one"):
        read_edgelist(path)


# ---------------------------------------------------------------------------------------------- absurd counts
def test_header_n_checked_before_allocation(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("1099511627776 1\n0 1\n")
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"huge\.txt:1: header says n=1099511627776 nodes, more than the "
                                             r"limit of \d+ \((node ids are 32-bit integers|at 64 bytes per node)"):
            read_edgelist(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MiB


def test_node_limit_is_int32_and_memory(monkeypatch):
    limit, _ = vio._node_limit()
    assert 0 < limit <= 2**31 - 1
    monkeypatch.setattr(vio, "_PHYSICAL_MEMORY", 1 << 40)  # 1 TiB: only int32 ids bound n
    assert vio._node_limit() == (2**31 - 1, "node ids are 32-bit integers")
    monkeypatch.setattr(vio, "_PHYSICAL_MEMORY", 1 << 30)  # 1 GiB: 16 Mi nodes at 64 bytes each
    limit, why = vio._node_limit()
    assert limit == (1 << 30) // 64 and "1.0 GiB" in why


def test_labels_with_an_absurd_node_id(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("4000000000 1\n0 1\n")
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"labels\.txt: no label for node 1 \(3999999999 node\(s\) without"):
            read_labels(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MiB  # not a 4 GB table of which nodes are covered


# ---------------------------------------------------------------------------------------------- CLI
CONFIG = """\
name = "hostile"
seed = 7
runs = 2
max_steps = 5

[graph]
file = "{file}"
p = 0.1

[prices]
per_post = {{ nano = 1.0, micro = 2.5, macro = 8.0, mega = 50.0 }}

[[strategy]]
name = "tv"
budget = 10
broadcast = {{ airings = 1 }}
"""


def cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_cli_fails_cleanly_on_hostile_graph_files(tmp_path, small_cap):
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"0 1\n" * (4 * MiB)))
    huge = tmp_path / "huge.txt"
    huge.write_text("1099511627776 1\n0 1\n")
    for file, expected in [(fifo, "is a named pipe (FIFO); expected a regular file"),
                           (bomb, "decompresses to more than the limit of 1048576 bytes"),
                           (huge, "header says n=1099511627776 nodes, more than the limit")]:
        config = tmp_path / f"{file.stem}.toml"
        config.write_text(CONFIG.format(file=file.name))
        outcome: list = []
        exc = finishes(lambda out=outcome, argv=("run", config, "--out", tmp_path / f"out-{file.stem}"):
                       out.append(cli(*argv)), release=fifo)
        assert exc is None, exc
        rc, stdout, stderr = outcome[0]
        assert rc == 2 and stdout == "", stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in stderr, stderr
        assert lines[0].startswith(f"virality: error: {file}") and expected in lines[0], lines[0]
