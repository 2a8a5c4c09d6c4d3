"""tools/tune.py: Optuna studies of real (tiny) MMEngine runs.

Each trial trains the 2-epoch demo config on 160 small mosaics; the
processes run one torch thread each (2 cores).
"""

import glob
import os
import os.path as osp
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest
import torch
from mmengine.config import Config

from mmspml.tuning import (
    GR_DEFAULT_SPACE,
    StorageError,
    lookup,
    make_storage,
    tune,
)
from tests.helpers.paths import REPO
from tests.helpers.runner_utils import python, write_tiny_config

optuna = pytest.importorskip(
    'optuna', reason='pip install -r requirements/tune.txt'
)
TrialState = optuna.trial.TrialState

SPACE = """\
model.head.loss.q_pos: {type: float, low: 0.001, high: 0.5, log: true}
optim_wrapper.optimizer.lr: {type: float, low: 1.0e-4, high: 3.0e-3, log: true}
model.head.loss.beta.1: {type: float, low: 0.5, high: 4}
"""
ENV = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A 2-epoch GR demo config without the diagnostics hook, and a space
    file."""
    tmp = tmp_path_factory.mktemp('tune')
    path = write_tiny_config(tmp)
    with open(path, 'a') as f:
        f.write('custom_hooks = []\ntrain_cfg = dict(max_epochs=2)\n')
    (tmp / 'space.yaml').write_text(SPACE)
    return tmp, str(path), str(tmp / 'space.yaml')


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def start(*args):
    return subprocess.Popen(
        [sys.executable, 'tools/tune.py', *args],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def load(storage, name='tiny'):
    return optuna.load_study(study_name=name, storage=storage)


def test_two_processes_share_one_sqlite_study(tiny):
    tmp, config, space = tiny
    work = tmp / 'shared'
    args = [config, '--space', space, '--n-trials', '2', '--pruner', 'none']
    procs = [start(*args, '--work-dir', str(work)) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    for proc, out in zip(procs, outputs):
        assert proc.returncode == 0, out[-3000:]
    study = load(f'sqlite:///{work}/study.db')
    trials = study.get_trials()
    assert len(trials) == 4
    assert all(t.state == TrialState.COMPLETE for t in trials)
    by_pid = {}
    for t in trials:
        assert t.user_attrs['host'] == socket.gethostname()
        by_pid.setdefault(t.user_attrs['pid'], set()).add(t.number)
    assert {p.pid for p in procs} == set(by_pid)
    assert sorted(len(v) for v in by_pid.values()) == [2, 2]
    assert set.union(*by_pid.values()) == {0, 1, 2, 3}
    # The processes drew different values.
    assert len({t.params['model.head.loss.q_pos'] for t in trials}) == 4
    # Exactly one trial ran the config's own values (both processes
    # opened the new study; one queued them).
    base = Config.fromfile(config)
    own = [t for t in trials if t.user_attrs.get('config_values')]
    assert len(own) == 1
    assert own[0].params == {k: lookup(base, k) for k in own[0].params}
    assert "The config's own values (trial" in outputs[0] + outputs[1]
    # Outputs: the best config, the table, the plots, the summary.
    assert 'Study' in outputs[1] and '4 complete' in outputs[0] + outputs[1]
    for name in ('trials.csv', 'optimization_history.png', 'best_tiny.py'):
        assert osp.isfile(work / name), name
    assert osp.isfile(work / 'param_importances.png')
    lines = (work / 'trials.csv').read_text().splitlines()
    assert len(lines) == 5 and 'params_model.head.loss.q_pos' in lines[0]
    best = Config.fromfile(str(work / 'best_tiny.py'))
    for key, value in study.best_params.items():
        assert lookup(best, key) == value
    beta = study.best_params['model.head.loss.beta.1']
    assert list(best.model.head.loss.beta) == [0.0, beta, -2.0, -2.0]
    assert best.train_dataloader == base.train_dataloader
    assert best.model.backbone == base.model.backbone
    # The best config trains with tools/train.py.
    python(
        'tools/train.py',
        str(work / 'best_tiny.py'),
        '--work-dir',
        str(tmp / 'best_run'),
        '--cfg-options',
        'train_cfg.max_epochs=1',
        env=dict(OMP_NUM_THREADS='1'),
    )
    assert glob.glob(str(tmp / 'best_run' / 'best_*.pth'))


class AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study, trial):
        return True


def test_pruned_trial_stops_early(tiny, one_thread):
    # The built-in GR space (beta and alpha from GRLoss's defaults).
    tmp, config, _ = tiny
    work = tmp / 'pruned'
    result = tune(
        config,
        work_dir=str(work),
        n_trials=1,
        pruner=AlwaysPrune(),
        cfg_options={'train_cfg.max_epochs': 3},
    )
    (trial,) = result['study'].get_trials()
    assert trial.state == TrialState.PRUNED
    assert trial.user_attrs['epochs_run'] == 1  # of max_epochs 3
    assert list(trial.intermediate_values) == [1]
    assert set(trial.params) == set(GR_DEFAULT_SPACE)
    # A new study starts with the config's own values (GRLoss's defaults).
    assert trial.user_attrs['config_values'] is True
    assert trial.params['model.head.loss.beta.1'] == 2.0
    assert trial.params['model.head.loss.q_neg'] == 1.0
    assert '0 complete, 1 pruned, 0 fail' in result['summary']
    # No complete trial: no best config, and the log said why.
    assert not glob.glob(str(work / 'best_*.py'))


def test_failing_trial_is_recorded_and_retried_once(tiny, one_thread):
    tmp, config, _ = tiny
    space = tmp / 'bad.yaml'
    space.write_text(
        'model.head.loss.schedule: {type: categorical, choices: [bogus]}\n'
    )
    work = tmp / 'failing'
    result = tune(config, str(space), work_dir=str(work), n_trials=2)
    first, retry = result['study'].get_trials()
    assert first.state == retry.state == TrialState.FAIL
    assert "schedule must be 'reference'" in first.user_attrs['error']
    assert retry.user_attrs['retry_of'] == 0
    assert retry.params == first.params
    # The config's schedule is not among the choices: not queued.
    assert 'config_values' not in first.user_attrs
    # A retry is not queued again: nothing is left waiting.
    assert '0 complete, 0 pruned, 2 fail' in result['summary']


def heartbeats(db):
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            query = 'SELECT count(*) FROM trial_heartbeats'
            return conn.execute(query).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_killed_trial_is_failed_and_retried(tiny, one_thread):
    tmp, config, space = tiny
    work = tmp / 'killed'
    proc = start(
        config,
        '--space',
        space,
        '--n-trials',
        '1',
        '--work-dir',
        str(work),
        '--no-baseline',
        '--cfg-options',
        'train_cfg.max_epochs=100',
    )
    db = work / 'study.db'
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if heartbeats(db):  # the trial runs
                time.sleep(2)
                break
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            time.sleep(0.5)
        else:
            pytest.fail('the trial did not start')
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    storage = f'sqlite:///{db}'
    (killed,) = load(storage).get_trials()
    assert killed.state == TrialState.RUNNING
    assert 'config_values' not in killed.user_attrs  # --no-baseline
    # Its heartbeat stops; make it older than the grace period (30 s)
    # instead of waiting for that.
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE trial_heartbeats SET heartbeat = datetime('now', "
            "'-1 hour')"
        )
    result = tune(
        config,
        space,
        work_dir=str(work),
        n_trials=1,
        cfg_options={'train_cfg.max_epochs': 1},
    )
    killed, retry = result['study'].get_trials()
    assert killed.state == TrialState.FAIL
    assert retry.state == TrialState.COMPLETE
    assert retry.params == killed.params
    assert retry.system_attrs['failed_trial'] == 0


def test_unreachable_storage_fails_fast(tiny):
    _, config, space = tiny
    url = 'postgresql://user@127.0.0.1:1/db'
    begin = time.time()
    with pytest.raises(StorageError, match=url):
        make_storage(url)
    assert time.time() - begin < 10
    out = python(
        'tools/tune.py',
        config,
        '--space',
        space,
        '--storage',
        url,
        '--work-dir',
        str(tiny[0] / 'unreachable'),
        ok=False,
    )
    assert f'tools/tune.py: error: --storage {url}: cannot open' in out
    assert 'Traceback' not in out


def postgres_bin():
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'))
    return osp.dirname(found[-1]) if found else None


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def as_postgres(*args, **kwargs):
    prefix = [] if os.geteuid() else ['runuser', '-u', 'postgres', '--']
    return subprocess.run(
        prefix + list(args),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_postgresql_storage(tiny, one_thread):
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip('no PostgreSQL server (/usr/lib/postgresql/*/bin/initdb)')
    pytest.importorskip('psycopg2', reason='pip install psycopg2-binary')
    _, config, space = tiny
    base = tempfile.mkdtemp(prefix='mmspml_pg_')
    os.chmod(base, 0o777)
    data, port = osp.join(base, 'data'), free_port()
    started = False
    try:
        as_postgres(f'{bindir}/initdb', '-D', data, '-A', 'trust', '-U', 'pg')
        as_postgres(
            f'{bindir}/pg_ctl',
            '-D',
            data,
            '-l',
            osp.join(base, 'server.log'),
            '-w',
            '-o',
            f'-p {port} -k {base} -c listen_addresses=127.0.0.1',
            'start',
        )
        started = True
        as_postgres(
            f'{bindir}/createdb', '-h', base, '-p', str(port), '-U', 'pg',
            'tune',
        )  # fmt: skip
        url = f'postgresql://pg@127.0.0.1:{port}/tune'
        tune(
            config,
            space,
            work_dir=osp.join(base, 'work'),
            storage=url,
            n_trials=2,
            pruner='none',
            cfg_options={'train_cfg.max_epochs': 1},
        )
        trials = load(make_storage(url)).get_trials()
        assert [t.state for t in trials] == [TrialState.COMPLETE] * 2
        assert all(t.value is not None for t in trials)
    finally:
        if started:
            as_postgres(f'{bindir}/pg_ctl', '-D', data, '-m', 'fast', 'stop')
        shutil.rmtree(base, ignore_errors=True)
