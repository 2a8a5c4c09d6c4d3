"""A full disk while saving: a clear error, the partial file removed, the
previous checkpoint still the resume point, and --resume after freeing
space finishes the run. On a real small filesystem (a tmpfs, which needs
root), else skipped with the reason."""

import os
import re
import subprocess
import sys

import pytest

from tests.helpers.paths import REPO
from tests.helpers.runner_utils import state_dict, write_tiny_config

pytestmark = pytest.mark.slow  # real Runners in subprocesses


@pytest.fixture
def small_disk(tmp_path):
    """A 4.5 MB tmpfs: the first epoch's checkpoints (2.2 MB + 0.8 MB best)
    and logs fit, the second epoch's checkpoint does not."""
    mount = tmp_path / 'disk'
    mount.mkdir()
    proc = subprocess.run(
        ['mount', '-t', 'tmpfs', '-o', 'size=4500k', 'tmpfs', str(mount)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        reason = (
            f'cannot mount a small tmpfs here ({proc.stderr.strip()}'
            f'{"; needs root" if os.geteuid() else ""})'
        )
        print(f'SKIPPED: {reason}')
        pytest.skip(reason)
    try:
        yield mount
    finally:
        subprocess.run(['umount', '-l', str(mount)], capture_output=True)


def train(*args):
    return subprocess.run(
        [sys.executable, 'tools/train.py', *args],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=REPO),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_full_disk_keeps_the_resume_point_and_resume_finishes(
    tmp_path, small_disk
):
    config = write_tiny_config(tmp_path, num_train=64, num_test=16)
    work = small_disk / 'work'
    proc = train(str(config), '--work-dir', str(work))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    error = [line for line in output.splitlines() if ': error: ' in line]
    assert error, output[-3000:]
    # MMEngine writes epoch_1.pth twice (again after a new best, to store
    # the best score): the second write is the one that does not fit.
    found = re.search(
        r'no space left on (\S+) while writing (\S+\.pth); the '
        r'partial file was removed; the resume point is still '
        r'(\S+\.pth)\.',
        error[-1],
    )
    assert found, error[-1]
    assert found.group(1) == str(work)
    resume_point = found.group(3)
    assert resume_point.startswith(str(work / 'epoch_'))
    assert 'Free space, then run again with --resume' in error[-1]
    assert 'Traceback' not in output
    files = sorted(os.listdir(work))
    assert not [f for f in files if f.endswith('.tmp')], files
    assert (work / 'last_checkpoint').read_text().strip() == resume_point
    state_dict(resume_point)  # complete, and loads safely

    subprocess.run(
        ['mount', '-o', 'remount,size=64m', str(small_disk)], check=True
    )
    # The partial file of a write killed on the full disk: --resume removes
    # it before MMEngine writes its log and config, which would not fit.
    partial = work / '.epoch_2.pth.tmp'
    free = os.statvfs(work).f_bavail * os.statvfs(work).f_frsize
    with open(partial, 'wb') as f:
        f.truncate(0)
        f.write(b'\0' * (free - 4096))
    proc = train(str(config), '--work-dir', str(work), '--resume')
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert 'resumed epoch: 1' in output or 'resumed epoch: 1' in ''.join(
        open(os.path.join(root, f)).read()
        for root, _, names in os.walk(work)
        for f in names
        if f.endswith('.log')
    )
    assert (work / 'epoch_3.pth').is_file() and not partial.exists()
    assert not (work / 'epoch_1.pth').exists()  # removed once 3 was saved
