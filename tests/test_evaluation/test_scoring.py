"""score_dataloader: the scores of ``model.test_step`` and the labels each
sample carries; the observed labels keep verified negatives (-1) from a
partial-label sample's ``gt_score``."""

import numpy as np
import torch
from mmpretrain.structures import DataSample

from mmspml.evaluation import observed_labels, score_dataloader

NUM_CLASSES = 4


class EchoModel:
    """``test_step`` as a classifier's: the batch's samples with a
    ``pred_score`` (here the sample index / 10 for every class)."""

    def test_step(self, batch):
        for sample in batch:
            sample.set_pred_score(
                torch.full((NUM_CLASSES,), sample.sample_idx / 10)
            )
        return batch


def sample(idx, gt_label, gt_score=None, full_gt_label=None):
    data = DataSample(metainfo=dict(sample_idx=idx, img_path=f'{idx}.png'))
    data.set_gt_label(gt_label)
    if gt_score is not None:  # as PackInputs packs a partial-label sample
        data.set_gt_score(torch.tensor(gt_score, dtype=torch.float32))
    if full_gt_label is not None:
        data.set_field(
            torch.tensor(full_gt_label), 'full_gt_label', dtype=torch.Tensor
        )
    return data


def test_observed_labels_keep_verified_negatives():
    batches = [
        [
            sample(0, [0], gt_score=[1, -1, 0, -1]),
            sample(1, [], gt_score=[0, -1, -1, 0]),
        ],
        [sample(2, [1, 3], gt_score=[0, 1, 0, 1])],
    ]
    data = score_dataloader(EchoModel(), batches, NUM_CLASSES, False)
    assert data['observed'].dtype == np.int8
    np.testing.assert_array_equal(
        data['observed'],
        [[1, -1, 0, -1], [0, -1, -1, 0], [0, 1, 0, 1]],
    )
    # No full labels: ``labels`` are the observed positives.
    np.testing.assert_array_equal(
        data['labels'], [[1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 1]]
    )
    assert not data['has_full_gt_label']
    np.testing.assert_allclose(data['scores'][:, 0], [0, 0.1, 0.2], 1e-6)
    assert data['img_paths'] == ['0.png', '1.png', '2.png']


def test_single_positives_are_observed_positives_only():
    batches = [
        [
            sample(0, [2], full_gt_label=[0, 2]),
            sample(1, [3], full_gt_label=[3]),
        ]
    ]
    data = score_dataloader(EchoModel(), batches, NUM_CLASSES, False)
    assert data['observed'].dtype == np.int8
    np.testing.assert_array_equal(
        data['observed'], [[0, 0, 1, 0], [0, 0, 0, 1]]
    )
    np.testing.assert_array_equal(data['labels'], [[1, 0, 1, 0], [0, 0, 0, 1]])
    assert data['has_full_gt_label']


def test_observed_labels_of_one_sample():
    row = observed_labels(sample(0, [1], gt_score=[-1, 1, 0]), 3)
    assert row.dtype == np.int8 and row.tolist() == [-1, 1, 0]
    assert observed_labels(sample(0, [0, 2]), 3).tolist() == [1, 0, 1]
