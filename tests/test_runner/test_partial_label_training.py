"""A real MMEngine Runner trains on partial labels: the observed labels
(1 / -1 / 0) reach the loss as the head's target, a stateful loss keeps the
verified negatives in its state, and validation reports mAP next to
mAP_observed, which can pick the best checkpoint."""

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import RUNNERS

from mmspml.utils import unwrap_model
from tests.helpers.runner_utils import write_tiny_config

pytestmark = pytest.mark.slow


class TargetRecorder(Hook):
    """The target the head hands the loss, for the first iteration."""

    def __init__(self):
        self.targets = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if not self.targets:
            samples = data_batch['data_samples']
            self.targets = [
                (int(s.sample_idx), s.gt_score.clone()) for s in samples
            ]


def test_role_trains_on_partial_labels_and_keeps_best_by_observed_map(
    tmp_path,
):
    config = write_tiny_config(
        tmp_path, num_train=48, num_test=16, method='role'
    )
    path = tmp_path / 'partial.py'
    path.write_text(
        f"_base_ = ['{config}']\n"
        'train_cfg = dict(max_epochs=2)\n'
        'train_dataloader = dict(batch_size=24, dataset=dict('
        "type='PartialLabelDataset', known_frac=0.5))\n"
        "val_dataloader = dict(dataset=dict(type='PartialLabelDataset', "
        'known_frac=0.5))\n'
        "val_evaluator = dict(type='SPMLAveragePrecision', mode='both')\n"
        "default_hooks = dict(checkpoint=dict(save_best='spml/mAP_observed'))"
        '\ncustom_hooks = []\n'
    )
    cfg = Config.fromfile(str(path))
    cfg.work_dir = str(tmp_path / 'work')
    runner = RUNNERS.build(cfg)
    recorder = TargetRecorder()
    runner.register_hook(recorder)
    runner.train()
    dataset = runner.train_dataloader.dataset
    observed = dataset.observed_labels
    assert (observed == -1).any() and (observed == 1).any()
    for idx, target in recorder.targets:
        assert target.tolist() == observed[idx].tolist()
    loss = unwrap_model(runner.model).head.loss_module
    estimates = loss.state_rows('estimates', torch.arange(len(dataset)), 'cpu')
    # Verified negatives started at logit(0.005) and stay confident.
    assert (
        torch.sigmoid(estimates)[torch.tensor(observed == -1)] < 0.05
    ).all()
    scalars = set(runner.message_hub.log_scalars)
    assert {'val/spml/mAP', 'val/spml/mAP_observed'} <= scalars
    best = runner.message_hub.get_info('best_ckpt')
    assert 'best_spml_mAP_observed_epoch_' in best
    assert np.isfinite(
        runner.message_hub.get_scalar('val/spml/mAP_observed').current()
    )
