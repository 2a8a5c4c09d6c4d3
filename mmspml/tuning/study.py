"""Optuna storage, sampler and pruner of a study, built from CLI values.

Storage URLs:

- any SQLAlchemy URL Optuna's RDBStorage takes (``sqlite:///path``,
  ``postgresql://user:pw@host:port/db``, ``mysql://...``): trials carry a
  heartbeat, so a trial whose process was killed is marked FAIL by the next
  process that runs the study and re-queued once;
- ``journal:PATH``: Optuna's JournalStorage on a file (for shared file
  systems without a database server). Optuna (up to 5.1 at least) keeps no
  heartbeat for it: a killed trial stays RUNNING there.
"""

import contextlib
import inspect
import os
import os.path as osp
import time
import warnings
from typing import Optional

from .deps import import_optuna

# A live trial writes its heartbeat every HEARTBEAT_INTERVAL s; one silent
# for GRACE_PERIOD s is taken as dead (its process was killed).
HEARTBEAT_INTERVAL = 10
GRACE_PERIOD = 30
# A database server that does not answer fails the run after this many s.
CONNECT_TIMEOUT = 5


class StorageError(RuntimeError):
    """The study storage cannot be opened; the message names the URL.

    Args:
        message (str): What failed.
    """

    def __init__(self, message: str):
        super().__init__(message)


def safe_url(url: str) -> str:
    """``url`` without its password, to print.

    Args:
        url (str): A storage URL.

    Returns:
        str: The URL with any password replaced by ``***``.
    """
    if url.startswith('journal:') or '://' not in url:
        return url
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def retry_callback():
    """Optuna's callback that re-queues a heartbeat-stale trial once.

    Returns:
        RetryHeartbeatStaleTrialCallback: (RetryFailedTrialCallback before
        Optuna 4.9) with ``max_retry=1``.
    """
    storages = import_optuna().storages
    cls = getattr(
        storages,
        'RetryHeartbeatStaleTrialCallback',
        getattr(storages, 'RetryFailedTrialCallback', None),
    )
    return cls(max_retry=1)


def _journal(path: str):
    storages = import_optuna().storages
    try:  # Optuna >= 4.0
        from optuna.storages.journal import JournalFileBackend
    except ImportError:
        JournalFileBackend = storages.JournalFileStorage
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    return storages.JournalStorage(JournalFileBackend(path))


def _with_postgres_driver(url: str) -> str:
    """SQLAlchemy 2.1 reads ``postgresql://`` as psycopg 3; use psycopg2
    (requirements/tune.txt) when only that one is installed."""
    if not url.startswith('postgresql://'):
        return url
    import importlib.util

    if importlib.util.find_spec('psycopg') is None and (
        importlib.util.find_spec('psycopg2') is not None
    ):
        return 'postgresql+psycopg2://' + url[len('postgresql://') :]
    return url


def _open_rdb(url: str, engine_kwargs: dict, options: dict):
    """RDBStorage of ``url``, connected. Processes that start together race
    to create the tables (a unique-constraint error in all but one): the
    losers try again once the winner is done."""
    import sqlalchemy.exc

    optuna = import_optuna()
    for attempt in range(5):
        try:
            storage = optuna.storages.RDBStorage(
                url, engine_kwargs=engine_kwargs, **options
            )
            # Optuna connects lazily in some versions: ask the database now.
            storage.get_all_studies()
            return storage
        except sqlalchemy.exc.IntegrityError:
            if attempt == 4:
                raise
            time.sleep(0.5 + attempt)


def make_storage(url: str):
    """Open (and create) the storage of a study, checking that it answers.

    Args:
        url (str): A SQLAlchemy URL or ``journal:PATH``.

    Returns:
        optuna.storages.BaseStorage: The storage.

    Raises:
        StorageError: The storage cannot be reached or opened, or its
            driver is not installed.
    """
    optuna = import_optuna()
    shown = safe_url(url)
    if url.startswith('journal:'):
        path = url[len('journal:') :]
        if not path:
            raise StorageError('--storage journal:PATH needs a file path')
        try:
            return _journal(path)
        except OSError as err:
            raise StorageError(f'--storage {shown}: {err}') from err
    if '://' not in url:
        raise StorageError(
            f'--storage {url!r}: expected a database URL (sqlite:///FILE, '
            'postgresql://USER@HOST:PORT/DB, mysql://...) or journal:FILE'
        )
    engine_kwargs = {}
    scheme = url.split('://')[0].split('+')[0]
    if scheme == 'sqlite':
        # Wait for another process's write instead of failing at once.
        engine_kwargs = {'connect_args': {'timeout': 60}}
        path = url[len('sqlite:///') :]
        if path and path != ':memory:':
            os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    elif scheme in ('postgresql', 'mysql'):
        engine_kwargs = {'connect_args': {'connect_timeout': CONNECT_TIMEOUT}}
    url = _with_postgres_driver(url)
    options = dict(
        heartbeat_interval=HEARTBEAT_INTERVAL, grace_period=GRACE_PERIOD
    )
    params = inspect.signature(optuna.storages.RDBStorage).parameters
    stale = (
        'heartbeat_stale_trial_callback'
        if 'heartbeat_stale_trial_callback' in params
        else 'failed_trial_callback'
    )
    try:
        with warnings.catch_warnings():
            # Heartbeats and the retry callback are "experimental" in Optuna.
            experimental = optuna.exceptions.ExperimentalWarning
            warnings.simplefilter('ignore', experimental)
            options[stale] = retry_callback()
            storage = _open_rdb(url, engine_kwargs, options)
    except ImportError as err:
        raise StorageError(
            f'--storage {shown}: the database driver is missing ({err}); '
            'for PostgreSQL: pip install psycopg2-binary '
            '(requirements/tune.txt)'
        ) from err
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err) else ''
        raise StorageError(
            f'--storage {shown}: cannot open the study storage: '
            f'{type(err).__name__}: {first}'
        ) from err
    return storage


def make_sampler(name: str, seed: Optional[int]):
    """The sampler that draws trial values.

    Args:
        name (str): ``'tpe'`` (Optuna's default TPE) or ``'random'``.
        seed (int, optional): Its seed.

    Returns:
        optuna.samplers.BaseSampler: The sampler.

    Raises:
        ValueError: Another name.
    """
    samplers = import_optuna().samplers
    if name == 'tpe':
        return samplers.TPESampler(seed=seed)
    if name == 'random':
        return samplers.RandomSampler(seed=seed)
    raise ValueError(f'--sampler {name!r}: expected tpe or random')


def make_pruner(name: str):
    """The pruner that stops unpromising trials after a validation.

    ``median`` prunes a trial whose value at an epoch is below the median of
    the earlier trials at that epoch, once 2 trials have completed and from
    the trial's second validation on (``n_startup_trials=2``,
    ``n_warmup_steps=2``; the steps are the 1-based epochs): the first
    epoch of a fresh model says little.
    ``hyperband`` is Optuna's HyperbandPruner (``min_resource=1``).

    Args:
        name (str): ``'median'``, ``'hyperband'`` or ``'none'``.

    Returns:
        optuna.pruners.BasePruner: The pruner (``NopPruner`` for none).

    Raises:
        ValueError: Another name.
    """
    pruners = import_optuna().pruners
    if name == 'median':
        return pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=2)
    if name == 'hyperband':
        return pruners.HyperbandPruner(min_resource=1)
    if name == 'none':
        return pruners.NopPruner()
    raise ValueError(f'--pruner {name!r}: expected median, hyperband or none')


@contextlib.contextmanager
def _sqlite_lock(url: str):
    """Processes that open one new SQLite study together take turns to
    create its tables and the study (a file lock next to the database)."""
    path = url[len('sqlite:///') :] if url.startswith('sqlite:///') else ''
    if not path or path == ':memory:':
        yield
        return
    import fcntl

    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path + '.lock', 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def open_study(
    study_name: str, storage_url: str, sampler=None, pruner=None, setup=None
):
    """Create the study, or load it when it exists (a resumed run, or
    another process of the same study).

    Args:
        study_name (str): Its name in the storage.
        storage_url (str): See :func:`make_storage`.
        sampler (optuna.samplers.BaseSampler, optional): Defaults to None
            (Optuna's TPE).
        pruner (optuna.pruners.BasePruner, optional): Defaults to None
            (Optuna's median pruner).
        setup (callable, optional): Called with the study while the
            processes of one SQLite study take turns (e.g. to queue a first
            trial exactly once). Defaults to None.

    Returns:
        optuna.Study: The study; it maximizes.

    Raises:
        StorageError: The storage cannot be opened.
        ValueError: The stored study minimizes.
    """
    optuna = import_optuna()
    with _sqlite_lock(storage_url):
        storage = make_storage(storage_url)
        study = optuna.create_study(
            study_name=study_name,
            storage=storage,
            sampler=sampler,
            pruner=pruner,
            direction='maximize',
            load_if_exists=True,
        )
        if setup is not None:
            setup(study)
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise ValueError(
            f'--study-name {study_name!r} in {safe_url(storage_url)} '
            'minimizes; tools/tune.py maximizes: choose another name'
        )
    return study
