"""Every command of the README's "Training and testing" block works as
written after the quick start.

The commands run unchanged in a mirror of the repository whose
``configs/*/*_mnist-mosaic.py`` are tiny versions (3 epochs on 160 mosaics, a
quarter-width ResNet) of the real ones and whose ``data/mnist_mosaic`` is
that tiny set; ``tools/`` is the repository's own.
"""

import os
import os.path as osp
import re
import shlex
import subprocess
import sys

import pytest

from mmspml.datasets import make_mnist_mosaics
from tests.helpers.paths import REPO, config_file
from tests.helpers.runner_utils import TINY

pytestmark = pytest.mark.slow  # a dozen real trainings in subprocesses


def readme_block(heading):
    """The first ```bash block after ``heading`` in the README."""
    with open(osp.join(REPO, 'README.md')) as f:
        text = f.read()
    section = text[text.index(heading) :]
    return re.search(r'```bash\n(.*?)```', section, re.S).group(1)


def commands(block):
    """Each command of a block, without its comment."""
    for line in block.splitlines():
        line = line.split('  #')[0].strip()
        if line and not line.startswith('#'):
            yield line


def quick_start_command():
    """tools/run_demo.sh's training line, after its .venv set-up."""
    with open(osp.join(REPO, 'tools', 'run_demo.sh')) as f:
        script = f.read().replace('\\\n', ' ')
    line = next(
        line
        for line in script.splitlines()
        if line.startswith('.venv/bin/python tools/run_configs.py')
    )
    return line.replace('"$@"', '').strip()


@pytest.fixture(scope='module')
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp('readme')
    data = root / 'data' / 'mnist_mosaic'
    make_mnist_mosaics(str(data), num_train=160, num_test=40)
    os.symlink(osp.join(REPO, 'tools'), root / 'tools')
    for method in ('gr', 'an', 'full'):
        path = root / osp.relpath(config_file(method, 'demo'), REPO)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            TINY.format(config=config_file(method, 'demo'), data=data)
        )
    return root


def run(root, command):
    """Run a README command in the mirror with this interpreter's
    environment (``python`` and ``mim`` of the running venv)."""
    argv = shlex.split(command)
    bindir = osp.dirname(sys.executable)
    if argv[0] in ('python', '.venv/bin/python'):
        argv[0] = sys.executable
    elif argv[0] == 'mim':
        argv[0] = osp.join(bindir, 'mim')
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ['PATH'])
    proc = subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{command}\n{output[-4000:]}'
    return output


def test_readme_commands_run_as_written_after_the_quick_start(mirror):
    run(mirror, quick_start_command())
    assert (
        mirror / 'work_dirs/demo/gr_resnet18-half_1xb64_mnist-mosaic/seed0'
    ).is_dir()
    block = list(commands(readme_block('## Training and testing')))
    assert block[0] == 'source .venv/bin/activate'
    outputs = {cmd: run(mirror, cmd) for cmd in block[1:]}
    for cmd, out in outputs.items():
        if 'tools/test.py' in cmd:
            assert re.search(r'spml/mAP: \d+\.\d+', out), cmd
    # The work dirs and checkpoints the comments promise.
    assert list(
        (mirror / 'work_dirs/gr_resnet18-half_1xb64_mnist-mosaic').glob(
            'best_spml_mAP_*.pth'
        )
    )
    for name in ('gr_exact', 'gr_data', 'gr_mim'):
        assert (mirror / 'work_dirs' / name / 'epoch_3.pth').is_file(), name
    results = (mirror / 'work_dirs/compare/results.md').read_text()
    assert (
        '| an_resnet18-half_1xb64_mnist-mosaic | '
        '`configs/an/an_resnet18-half_1xb64_mnist-mosaic.py` |'
    ) in results


def test_using_a_trained_model_commands_run_as_written(mirror):
    if not (
        mirror / 'work_dirs/demo/gr_resnet18-half_1xb64_mnist-mosaic/seed0'
    ).is_dir():
        run(mirror, quick_start_command())
    block = list(commands(readme_block('## Using a trained model')))
    assert len(block) == 4
    outputs = [run(mirror, cmd) for cmd in block]
    import json

    records = json.loads((mirror / 'predictions.json').read_text())
    images = sorted((mirror / 'data/mnist_mosaic/images/test').iterdir())
    assert [r['img_path'] for r in records] == [
        f'data/mnist_mosaic/images/test/{p.name}' for p in images
    ]
    assert len(list((mirror / 'drawn').iterdir())) == len(images)
    thresholds = json.loads((mirror / 'thresholds.json').read_text())
    assert len(thresholds['thresholds']) == 10
    calibrated = json.loads((mirror / 'calibrated.json').read_text())
    for record in calibrated:
        assert set(record['labels']) == {
            c
            for c, t in zip(thresholds['classes'], thresholds['thresholds'])
            if record['scores'][c] >= t
        }
    assert (mirror / 'gr_demo.onnx').is_file()
    assert 'max abs difference' in outputs[3]


def test_training_console_starts_with_one_line_and_logs_the_rest(mirror):
    out = run(
        mirror,
        'python tools/train.py '
        'configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py '
        '--work-dir work_dirs/quiet --cfg-options train_cfg.max_epochs=1',
    )
    preamble = out[: out.index('Epoch(train)')].splitlines()
    assert len(preamble) <= 5, '\n'.join(preamble)
    assert 'System environment' not in out and 'Config:' not in out
    assert 'MultiScaleDeformableAttention' not in out  # mmcv-lite's warning
    log_file = re.search(r'are in (\S+\.log)', out).group(1)
    with open(log_file) as f:
        log = f.read()
    assert 'System environment' in log and 'Config:' in log
    assert 'Hooks will be executed in the following order' in log
