"""One run per work dir: what another run left in a work dir, and the lock
a training run holds on it (``docs/checkpoints.md``).

A second run into a work dir would replace the first one's best checkpoint
and ``last_checkpoint`` as it saves, and two at once would each replace
the other's: ``tools/train.py`` refuses a work dir that holds another run's
checkpoints unless told to continue or start over, and
:class:`~mmspml.engine.runner.SPMLRunner` holds :class:`WorkDirLock` while
it trains.
"""

import contextlib
import glob
import logging
import os
import os.path as osp
import re
import socket
from typing import List, Optional

from mmengine.logging import print_log

from mmspml.utils import ConfigError

try:
    import fcntl
except ImportError:  # Windows: no flock, runs go on unlocked
    fcntl = None

LOCK_FILE = '.train.lock'
POINTER = 'last_checkpoint'

# The environment variable that holds a process's rank before MMEngine
# initialises the process group (it sets RANK itself for slurm and mpi).
_RANK_VARIABLES = dict(
    pytorch='RANK', slurm='SLURM_PROCID', mpi='OMPI_COMM_WORLD_RANK'
)


def is_rank_zero(launcher: str = 'none') -> bool:
    """Whether this process is rank 0 of its launcher, read from the
    environment, so that it holds before the process group exists.

    Args:
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or
            ``'mpi'``. Defaults to ``'none'`` (one process: rank 0).

    Returns:
        bool: True for rank 0 or a launcher without ranks.
    """
    variable = _RANK_VARIABLES.get(launcher)
    return variable is None or int(os.environ.get(variable, '0')) == 0


def previous_run_files(work_dir: str) -> List[str]:
    """The files by which a run's checkpoints show in ``work_dir``: every
    ``*.pth`` directly in it, best checkpoints first, then the newest, and
    ``last_checkpoint`` last. Logs, configs and sub-folders do not count.

    Args:
        work_dir (str): A work dir; it may not exist.

    Returns:
        list[str]: The file names (not paths); empty when there are none.
    """
    paths = glob.glob(osp.join(glob.escape(work_dir), '*.pth'))
    names = sorted(
        map(osp.basename, paths),
        key=lambda name: (
            not name.startswith('best_'),
            [-int(n) for n in re.findall(r'\d+', name)],
            name,
        ),
    )
    if osp.isfile(osp.join(work_dir, POINTER)):
        names.append(POINTER)
    return names


def describe_previous_run(work_dir: str, shown: int = 3) -> Optional[str]:
    """What another run left in ``work_dir``, for an error message, e.g.
    ``'3 checkpoints (best_spml_mAP_epoch_2.pth, epoch_3.pth, ...) and
    last_checkpoint'``.

    Args:
        work_dir (str): A work dir; it may not exist.
        shown (int): How many checkpoint names to give at most.
            Defaults to 3.

    Returns:
        str | None: The description, or None when the work dir holds no
        checkpoint and no ``last_checkpoint``.
    """
    names = previous_run_files(work_dir)
    if not names:
        return None
    checkpoints = [n for n in names if n != POINTER]
    parts = []
    if checkpoints:
        listed = ', '.join(checkpoints[:shown]) + (
            ', ...' if len(checkpoints) > shown else ''
        )
        plural = 's' if len(checkpoints) > 1 else ''
        parts.append(f'{len(checkpoints)} checkpoint{plural} ({listed})')
    if POINTER in names:
        parts.append(POINTER)
    return ' and '.join(parts)


def remove_previous_run(
    work_dir: str, keep: Optional[str] = None
) -> List[str]:
    """Remove what :func:`previous_run_files` lists, so that a run started
    over in ``work_dir`` leaves no checkpoint of the old one to resume,
    test or mix up with its own.

    Args:
        work_dir (str): The work dir, locked by the run that starts over.
        keep (str, optional): A file not to remove (the run's
            ``load_from``, which may be an old checkpoint there).
            Defaults to None.

    Returns:
        list[str]: The paths of the removed files.
    """
    kept = osp.realpath(keep) if keep else None
    removed = []
    for name in previous_run_files(work_dir):
        path = osp.join(work_dir, name)
        if osp.realpath(path) != kept:
            os.remove(path)
            removed.append(path)
    return removed


class WorkDirLock:
    """An exclusive, non-blocking ``fcntl.flock`` on ``<work_dir>/.train.
    lock``, which records the holder's pid and host.

    The kernel releases a ``flock`` when the process ends, killed or not
    (forked children such as data loader workers do not keep it), so a
    lock is never left behind; the file stays. A process that holds the
    lock through one object may take it again through another, which then
    holds nothing: ``tools/train.py`` takes it before it builds the runner,
    whose ``train()`` finds it held by its own process.
    A remote work dir (``s3://...``) is not locked; on a system or
    filesystem without ``flock`` the run goes on unlocked, with a warning.

    Args:
        work_dir (str): The run's work dir; created when missing.
    """

    def __init__(self, work_dir: str):
        self.work_dir = str(work_dir)
        self.path = osp.join(self.work_dir, LOCK_FILE)
        # The locked descriptor, in a list that the fork hook shares.
        self._held = [None]

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._held[0] is not None

    def acquire(self) -> None:
        """Take the lock, or stop at once when another process holds it.

        Raises:
            ConfigError: Another process holds the lock; the message names
                the work dir and the holder's pid and host.
        """
        if self.held or '://' in self.work_dir:
            return
        if fcntl is None:
            self._warn_unlocked('no fcntl.flock on this system')
            return
        os.makedirs(self.work_dir, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        me = f'{os.getpid()} {socket.gethostname()}'
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 1024).decode(errors='replace').strip()
            os.close(fd)
            if holder == me:
                return  # held by this process (tools/train.py)
            raise ConfigError(self._busy_message(holder)) from None
        except OSError as err:
            os.close(fd)
            self._warn_unlocked(f'no lock on this filesystem: {err.strerror}')
            return
        held = self._held = [fd]

        def close_in_child():
            # A forked child (a data loader worker) would keep the lock
            # after the run's process is killed: it closes its copy of the
            # descriptor, which leaves the parent's lock alone.
            if held[0] is not None:
                os.close(held[0])
                held[0] = None

        os.register_at_fork(after_in_child=close_in_child)
        # The pid only names the holder in the message of a refused run:
        # the lock holds without it (a full disk).
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f'{me}\n'.encode())

    def release(self) -> None:
        """Release the lock, if this object holds it."""
        fd, self._held[0] = self._held[0], None
        if fd is None:
            return
        try:
            # Explicitly, not only by closing: a child forked outside
            # Python (no fork hook) may still share the descriptor.
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> 'WorkDirLock':
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def _warn_unlocked(self, why: str) -> None:
        print_log(
            f'{self.path}: {why}; a second run into {self.work_dir} is not '
            'refused.',
            logger='current',
            level=logging.WARNING,
        )

    def _busy_message(self, holder: str) -> str:
        fields = holder.split(maxsplit=1)
        if len(fields) == 2 and fields[0].isdigit():
            who = f'pid {fields[0]} on {fields[1]}'
        else:
            who = 'a process that has not written its pid yet'
        return (
            f'{self.work_dir} is in use by another training run ({who} '
            f'holds {self.path}): wait for it to end or stop it, or train '
            'into another work dir.'
        )
