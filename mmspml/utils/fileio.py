"""Files that are either complete or absent."""
import os
import os.path as osp
import tempfile


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, flush it to
    disk and rename it into place: a reader (or a restart after a kill)
    sees the old file or the new one, never half of it."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
