"""One run per work dir: tools/train.py refuses a work dir that holds
another run's checkpoints unless told to --resume or --overwrite, and a
run holds a lock on its work dir that stops a second one at once."""

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import RUNNERS

from mmspml.engine.runner.work_dir import (
    LOCK_FILE,
    WorkDirLock,
    describe_previous_run,
)
from mmspml.utils import ConfigError
from tests.helpers.paths import REPO
from tests.helpers.runner_utils import python, write_tiny_config

ONE_EPOCH = ('--cfg-options', 'train_cfg.max_epochs=1')


def hold_lock(work_dir, holder):
    """Take the work dir's lock as another run would; returns its fd."""
    fd = os.open(os.path.join(work_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.write(fd, f'{holder}\n'.encode())
    return fd


def is_locked(work_dir):
    fd = os.open(os.path.join(work_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock this fd took
    return False


def snapshot(work_dir):
    """Every file in the work dir and its bytes, but the lock file."""
    files = {}
    for root, _, names in os.walk(work_dir):
        for name in names:
            path = os.path.join(root, name)
            if name != LOCK_FILE:
                with open(path, 'rb') as f:
                    files[os.path.relpath(path, work_dir)] = f.read()
    return files


def error_lines(output):
    return [line for line in output.splitlines() if ': error: ' in line]


def test_the_lock_records_its_holder_and_refuses_another(tmp_path):
    with WorkDirLock(str(tmp_path)) as lock:
        assert lock.held and is_locked(tmp_path)
        assert (tmp_path / LOCK_FILE).read_text() == (
            f'{os.getpid()} {socket.gethostname()}\n'
        )
    assert not is_locked(tmp_path)

    fd = hold_lock(tmp_path, '4242 other-host')
    try:
        with pytest.raises(ConfigError) as err:
            WorkDirLock(str(tmp_path)).acquire()
    finally:
        os.close(fd)
    assert str(err.value) == (
        f'{tmp_path} is in use by another training run (pid 4242 on '
        f'other-host holds {tmp_path / LOCK_FILE}): wait for it to end or '
        'stop it, or train into another work dir.'
    )


KILLED_WITH_A_CHILD = """
import multiprocessing, os, signal, sys, time
from mmspml.engine.runner.work_dir import WorkDirLock
WorkDirLock(sys.argv[1]).acquire()
child = multiprocessing.get_context('fork').Process(
    target=time.sleep, args=(60,))
child.start()  # as a data loader worker
with open(sys.argv[2], 'w') as f:
    f.write(str(child.pid))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.slow
def test_a_killed_run_leaves_no_lock_behind_in_its_children(tmp_path):
    pid_file = tmp_path / 'child.pid'
    proc = subprocess.run(  # no pipes: the child would hold them open
        [sys.executable, '-c', KILLED_WITH_A_CHILD, tmp_path, pid_file],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=REPO),
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL
    child = int(pid_file.read_text())
    try:
        os.kill(child, 0)  # the forked child outlives the run
        assert not is_locked(tmp_path)
    finally:
        os.kill(child, signal.SIGKILL)


def test_only_checkpoints_and_last_checkpoint_are_another_run(tmp_path):
    assert describe_previous_run(str(tmp_path / 'missing')) is None
    for name in ('tiny.py', '20250101_000000/x.log', 'diagnostics/a.json'):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text('x')
    (tmp_path / LOCK_FILE).write_text('1 host\n')
    (tmp_path / '.epoch_2.pth.tmp').write_text('partial')
    assert describe_previous_run(str(tmp_path)) is None
    for name in ('epoch_9.pth', 'epoch_10.pth', 'best_x_epoch_4.pth'):
        (tmp_path / name).write_text('x')
    (tmp_path / 'last_checkpoint').write_text('x')
    assert describe_previous_run(str(tmp_path), shown=2) == (
        '3 checkpoints (best_x_epoch_4.pth, epoch_10.pth, ...) and '
        'last_checkpoint'
    )


class CheckLockHeld(Hook):
    """Record whether the work dir is locked where training starts, then
    stop the run with an error."""

    def before_train_epoch(self, runner):
        runner.locked_while_training = is_locked(runner.work_dir)
        raise RuntimeError('stopped by the test')


@pytest.mark.slow
def test_a_runner_holds_the_lock_while_it_trains_and_only_then(tmp_path):
    """Every path that trains an SPMLRunner (tools/run_configs.py, tune.py
    trials, in-process runs) holds the lock, and frees it on an error."""
    cfg = Config.fromfile(
        str(write_tiny_config(tmp_path, num_train=48, num_test=16))
    )
    cfg.custom_hooks = []
    work_dir = tmp_path / 'work'
    cfg.work_dir = str(work_dir)
    runner = RUNNERS.build(cfg)
    runner.register_hook(CheckLockHeld())
    assert not is_locked(work_dir)  # building it does not take the lock
    with pytest.raises(RuntimeError, match='stopped by the test'):
        runner.train()
    assert runner.locked_while_training and not is_locked(work_dir)

    fd = hold_lock(work_dir, '4242 other-host')
    try:
        with pytest.raises(ConfigError, match='pid 4242 on other-host'):
            runner.train()
    finally:
        os.close(fd)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A finished one-epoch run of tools/train.py, its config, its output."""
    tmp = tmp_path_factory.mktemp('work_dir')
    config = write_tiny_config(tmp, num_train=64, num_test=16)
    work_dir = tmp / 'work'
    python(
        'tools/train.py', str(config), '--work-dir', str(work_dir), *ONE_EPOCH
    )
    return config, work_dir


@pytest.mark.slow
def test_a_second_run_into_a_work_dir_with_checkpoints_stops(trained):
    """Before: it replaced the best checkpoint and last_checkpoint."""
    config, work_dir = trained
    before = snapshot(work_dir)
    output = python(
        'tools/train.py',
        str(config),
        '--work-dir',
        str(work_dir),
        *ONE_EPOCH,
        ok=False,
    )
    assert error_lines(output) == [
        f"tools/train.py: error: {work_dir} holds another run's 2 "
        'checkpoints (best_spml_mAP_epoch_1.pth, epoch_1.pth) and '
        'last_checkpoint: continue it with --resume, start over in it with '
        '--overwrite (deletes them), or give another --work-dir.'
    ], output[-3000:]
    assert 'Traceback' not in output
    assert snapshot(work_dir) == before  # nothing replaced, nothing added


@pytest.mark.slow
def test_a_concurrent_run_stops_at_the_lock_and_resume_follows(trained):
    """The run holding the lock (here: this test) keeps its work dir; once
    it ends, --resume continues the run."""
    config, work_dir = trained
    assert not is_locked(work_dir)  # the finished run released it
    before = snapshot(work_dir)
    holder = f'{os.getpid()} {socket.gethostname()}'
    fd = hold_lock(work_dir, holder)
    try:
        resume = ('tools/train.py', str(config), '--work-dir', str(work_dir))
        output = python(*resume, '--resume', *ONE_EPOCH, ok=False)
    finally:
        os.close(fd)
    pid, host = holder.split()
    assert error_lines(output) == [
        f'tools/train.py: error: {work_dir} is in use by another training '
        f'run (pid {pid} on {host} holds {work_dir / LOCK_FILE}): wait for '
        'it to end or stop it, or train into another work dir.'
    ], output[-3000:]
    assert snapshot(work_dir) == before

    output = python(*resume, '--resume', *ONE_EPOCH)
    assert 'resumed epoch: 1' in output
    assert not is_locked(work_dir)


@pytest.mark.slow
def test_overwrite_starts_over_in_the_work_dir(trained, tmp_path):
    config, trained_dir = trained
    work_dir = tmp_path / 'copy'
    shutil.copytree(trained_dir, work_dir)
    old = snapshot(work_dir)
    output = python(
        'tools/train.py',
        str(config),
        '--work-dir',
        str(work_dir),
        '--overwrite',
        *ONE_EPOCH,
        'randomness.seed=1',
    )
    assert (
        "--overwrite: deleted the previous run's best_spml_mAP_epoch_1.pth, "
        f'epoch_1.pth, last_checkpoint from {work_dir}.'
    ) in output
    new = snapshot(work_dir)
    for name in ('epoch_1.pth', 'best_spml_mAP_epoch_1.pth'):
        assert new[name] != old[name]
    assert (work_dir / 'last_checkpoint').read_text().startswith(str(work_dir))
