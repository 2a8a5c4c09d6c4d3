"""tools/test.py loads checkpoints safely: a checkpoint that runs a shell
command is refused before it runs it; an old-format checkpoint needs
--trust-checkpoint; what mmspml writes needs nothing."""
import pytest
import torch

from tests.helpers.checkpoints import RunsACommand, save_as_mmengine_does
from tests.helpers.runner_utils import python, write_tiny_config

pytestmark = pytest.mark.slow  # real Runners in subprocesses


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('safe')
    config = write_tiny_config(tmp)
    python('tools/train.py', str(config), '--work-dir', str(tmp / 'work'),
           '--cfg-options', 'train_cfg.max_epochs=1')
    return tmp, config, tmp / 'work' / 'epoch_1.pth'


def test_a_malicious_checkpoint_is_refused_before_it_runs(trained):
    tmp, config, ckpt = trained
    checkpoint = torch.load(ckpt, map_location='cpu', weights_only=True)
    marker = tmp / 'pwned'
    checkpoint['meta']['note'] = RunsACommand(marker)
    evil = tmp / 'evil.pth'
    torch.save(checkpoint, evil)
    log = python('tools/test.py', str(config), str(evil), '--work-dir',
                 str(tmp / 'evil_test'), ok=False)
    assert 'evil.pth: safe loading (weights_only=True) refused ' \
        'posix.system' in log and '--trust-checkpoint' in log
    assert not marker.exists()


def test_old_checkpoints_load_with_the_explicit_opt_in(trained):
    tmp, config, ckpt = trained
    checkpoint = torch.load(ckpt, map_location='cpu', weights_only=True)
    save_as_mmengine_does(checkpoint, tmp / 'old.pth')
    log = python('tools/test.py', str(config), str(tmp / 'old.pth'),
                 '--work-dir', str(tmp / 'old_test'), ok=False)
    assert 'refused getattr' in log
    log = python('tools/test.py', str(config), str(tmp / 'old.pth'),
                 '--work-dir', str(tmp / 'old_test'), '--trust-checkpoint')
    assert 'spml/mAP' in log
    log = python('tools/test.py', str(config), str(ckpt), '--work-dir',
                 str(tmp / 'new_test'))
    assert 'spml/mAP' in log
