"""Writing files so that a reader never sees half of one, and checking, before
any long work, that an output path can be written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["check_output_file", "check_writable_folder", "write_atomically"]


def write_atomically(path, writer: Callable[[str], object]) -> None:
    """Call ``writer(tmp)`` on a temporary file beside ``path``, then rename it
    into place; on any error (an interrupt included) the temporary file is
    removed and ``path`` is left as it was.

    An error of the file system names ``path``, not the temporary file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomically(target, lambda tmp: pathlib.Path(tmp).write_text("hi"))
    >>> target.read_text()
    'hi'
    """
    path = Path(path)
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise _named(error, path) from None
    try:
        os.close(handle)
        writer(tmp)
        # mkstemp creates the file private (0600); give it the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _named(error, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _named(error: OSError, path) -> OSError:
    reason = error.strerror or str(error)
    return OSError(f"cannot write {path}: {reason}")


def check_writable_folder(folder, shown=None) -> None:
    """Raise ``OSError`` naming ``shown`` (default ``folder``) unless a file can
    be created in ``folder``.

    The check creates and removes an empty file: permissions alone do not
    tell (a root user may not write under ``/proc``; a read-only mount).
    """
    shown = folder if shown is None else shown
    try:
        handle, tmp = tempfile.mkstemp(prefix=".imbdiff-check.", dir=folder)
    except OSError as error:
        raise OSError(
            f"cannot write {shown}: its folder {folder} is not writable "
            f"({error.strerror or error})."
        ) from None
    os.close(handle)
    Path(tmp).unlink(missing_ok=True)


def check_output_file(path, *, inputs: Iterable = ()) -> Path:
    """Check before any work that ``path`` can become a file; return it.

    Its folder must exist and be writable, it must not be a folder, and it must
    not be one of ``inputs`` (an output written over its own input loses the
    data). An existing file is overwritten later, as usual.

    Raises
    ------
    ValueError
        If ``path`` is a folder, its folder does not exist or it is an input.
    OSError
        If its folder cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"cannot write {path}: it is a folder; name a file.")
    if not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: folder {path.parent} does not exist.")
    for source in inputs:
        if _same_file(path, Path(source)):
            raise ValueError(
                f"cannot write {path}: it is the input file; writing it would "
                "replace the data it is made from. Name another file."
            )
    check_writable_folder(path.parent, shown=path)
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
