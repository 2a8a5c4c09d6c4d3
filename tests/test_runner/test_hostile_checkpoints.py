"""No crafted checkpoint loads, crashes the process or runs code, through
any entry point; every refusal names the file.

The corpus (tests/helpers/hostile_checkpoints.py) is tried through every
entry point in one subprocess (tests/helpers/corpus_driver.py), so that a
crash shows as a signal exit; a real checkpoint in the same folder must
load everywhere, so a driver that refused everything would fail. A few
files also go through the command-line tools themselves.
"""

import collections
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from tests.helpers.corpus_driver import ENTRY_POINTS
from tests.helpers.hostile_checkpoints import (
    GOOD,
    MARKER,
    RESUME_ONLY,
    write_corpus,
)
from tests.helpers.paths import REPO
from tests.helpers.runner_utils import python, write_tiny_config

pytestmark = pytest.mark.slow  # real Runners in subprocesses


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('hostile')
    config = write_tiny_config(tmp, num_train=64, num_test=16)
    python(
        'tools/train.py',
        str(config),
        '--work-dir',
        str(tmp / 'work'),
        '--cfg-options',
        'train_cfg.max_epochs=1',
    )
    good = tmp / 'work' / 'epoch_1.pth'
    files = write_corpus(str(tmp / 'corpus'), str(good))
    shutil.copy(good, tmp / 'corpus' / 'good_plain.pth')
    return tmp, config, files


def test_no_crafted_checkpoint_loads_or_crashes_any_entry_point(
    corpus, capsys
):
    tmp, config, files = corpus
    out = tmp / 'tries.jsonl'
    proc = subprocess.run(
        [
            sys.executable,
            '-m',
            'tests.helpers.corpus_driver',
            str(config),
            str(tmp / 'corpus'),
            str(out),
            str(tmp / 'driver'),
        ],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=REPO),
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    last = lines[-1] if lines else {}
    # A negative return code is a signal: a segfault names its file here.
    assert proc.returncode == 0, (
        f'the driver died (return code {proc.returncode}) on {last}:\n'
        + proc.stderr[-3000:]
    )
    results = collections.defaultdict(dict)
    for line in lines:
        if 'outcome' in line:
            results[line['file']][line['entry']] = line
    names = sorted(osp.basename(p) for p in files.values()) + [
        'good_plain.pth'
    ]
    assert sorted(results) == sorted(names)
    with capsys.disabled():
        print(
            f'\n{len(names) - len(GOOD)} crafted checkpoints and '
            f'{len(GOOD)} real ones x {len(ENTRY_POINTS)} entry points '
            f'({", ".join(ENTRY_POINTS)}); R = refused with an error '
            'naming the file, L = loaded, - = not tried (harmful only '
            'when resumed from)'
        )
        for name in sorted(results):
            row = ' '.join(
                '-'
                if e not in results[name]
                else 'L'
                if results[name][e]['outcome'] == 'loaded'
                else 'R'
                for e in ENTRY_POINTS
            )
            print(f'  {name[:-4]:<40} {row}')
    for name, by_entry in results.items():
        expected = (
            {'resume'} if name[:-4] in RESUME_ONLY else set(ENTRY_POINTS)
        )
        assert set(by_entry) == expected, name
        for entry, record in by_entry.items():
            if name[:-4] in GOOD:
                assert record['outcome'] == 'loaded', record
                continue
            assert record['outcome'] == 'refused', (
                f'{name} loaded through {entry}'
            )
            assert name[:-4] in record['error'], (
                f'{entry}: the error does not name {name}: '
                f'{record["error"][:500]}\n{record["traceback"]}'
            )
    assert not (tmp / 'corpus' / MARKER).exists()


@pytest.mark.parametrize(
    'tool,name',
    [
        ('test', 'history_buffer_array_interface'),
        ('test', 'truncated_half'),
        ('predict', 'tensor_with_array_interface'),
        ('export', 'ndarray_object_pointer'),
        ('resume', 'empty_0_bytes'),
        ('load_from', 'zip_deflated_bomb'),
        ('pretrained', 'runs_a_shell_command'),
    ],
)
def test_the_tools_stop_with_the_file_named(corpus, tool, name):
    tmp, config, files = corpus
    path = files[name]
    image = str(tmp / 'mnist_mosaic' / 'images' / 'test' / '00000.png')
    work = str(tmp / f'cli_{tool}')
    args = {
        'test': ['tools/test.py', str(config), path, '--work-dir', work],
        'predict': ['tools/predict.py', str(config), path, image],
        'export': [
            'tools/deployment/export_onnx.py',
            str(config),
            path,
            '--out',
            osp.join(work, 'm.onnx'),
        ],
        'resume': [
            'tools/train.py',
            str(config),
            '--work-dir',
            work,
            '--resume',
            path,
        ],
        'load_from': [
            'tools/train.py',
            str(config),
            '--work-dir',
            work,
            '--cfg-options',
            f'load_from={path}',
        ],
        'pretrained': [
            'tools/train.py',
            str(config),
            '--work-dir',
            work,
            '--cfg-options',
            'model.backbone.init_cfg.type=Pretrained',
            f'model.backbone.init_cfg.checkpoint={path}',
        ],
    }[tool]
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=REPO),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]  # an error, not a signal
    error = [line for line in output.splitlines() if ': error: ' in line]
    assert error and path in error[-1], output[-3000:]
    assert 'Traceback' not in output, output[-3000:]
    assert not (tmp / 'corpus' / MARKER).exists()
