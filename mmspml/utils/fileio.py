"""Files that are either complete or absent."""
import errno
import os
import os.path as osp
import tempfile
from typing import Union


def no_space_error(err: BaseException, folder: str, what: str) -> OSError:
    """A clear ``OSError(ENOSPC)`` for ``err`` if it is a full disk (an
    ``OSError`` 28, or torch's zip writer failing on one), else None."""
    full = isinstance(err, OSError) and err.errno == errno.ENOSPC
    if not full and isinstance(err, RuntimeError):
        full = 'No space left' in str(err) or (
            'file write failed' in str(err) and _nearly_full(folder))
    if not full:
        return None
    return OSError(errno.ENOSPC,
                   f'no space left on {folder} while writing {what}; the '
                   'partial file was removed')


def _nearly_full(folder: str) -> bool:
    try:
        usage = os.statvfs(folder)
    except OSError:
        return False
    return usage.f_bavail * usage.f_frsize < 1 << 20


def write_atomically(path: str, data: Union[str, bytes]) -> None:
    """Write ``data`` (text or bytes) to a temporary file next to ``path``,
    flush it to disk and rename it into place: a reader (or a restart after
    a kill) sees the old file or the new one, never half of it. On a full
    disk the temporary file is removed and the ``OSError`` says so."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb' if isinstance(data, bytes) else 'w') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if osp.exists(tmp):
            os.remove(tmp)
        full = no_space_error(err, folder, path)
        if full is not None:
            raise full from err
        raise
