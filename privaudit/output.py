"""Writing a result file whole: into a temporary file beside it, then renamed over it, so the path holds either
the old file or the whole new one, never half of it.

A path that is not a regular file — ``/dev/null``, ``/dev/stdout``, a named pipe — is never renamed over (that
would replace the device with a file): the finished temporary file is copied into it instead.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from privaudit.errors import InputError


@contextmanager
def replacing(path: str) -> Iterator[str]:
    """A temporary path to write; on success it becomes ``path``, on any error it is removed."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError("output directory does not exist", path)
    special = _is_special(path)
    tmp_dir = directory if not special else None
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=tmp_dir)
    except OSError as exc:
        raise InputError(f"cannot write here ({exc.strerror or exc})", path) from None
    os.close(fd)
    try:
        yield tmp
        if special:
            with open(tmp, "rb") as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _is_special(path: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
