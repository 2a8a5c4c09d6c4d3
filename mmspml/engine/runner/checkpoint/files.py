"""Checkpoint files on disk: written to a temporary name and renamed into
place (flushed, so a crash keeps either the old or the new file), and the
temporary files of a killed write removed before a resume writes again."""

import glob
import os
import os.path as osp


def replace_atomically(tmp_path: str, path: str) -> None:
    """Flush ``tmp_path`` to disk and rename it to ``path``; the folder
    entry is flushed too, so the rename survives a crash.

    Args:
        tmp_path (str): The fully written temporary file, in the same
            folder as ``path``.
        path (str): The final name; an existing file there is replaced.
    """
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp_path, path)
    dir_fd = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_partial_checkpoints(work_dir: str) -> list:
    """Remove the ``.*.pth.tmp`` files a killed or failed write left in
    ``work_dir``; returns their paths.

    Args:
        work_dir (str): The run's work dir (not searched recursively).

    Returns:
        list[str]: The paths of the removed files.
    """
    stale = glob.glob(osp.join(work_dir, '.*.pth.tmp'))
    for path in stale:
        os.remove(path)
    return stale
