"""Partial labels: the Durand et al. draw (a fixed fraction of every image's
entries, positives and negatives, with their true states), the
PartialLabelDataset wrapper (simulated from full labels, or a file's own
gt_label / neg_label), and the errors of a bad neg_label."""

import json

import numpy as np
import pytest

from mmspml.datasets import (
    PartialLabelDataset,
    SinglePositiveDataset,
    SparseLabels,
    draw_partial_labels,
    make_mnist_mosaics,
)


def full_labels(seed=0, n=300, c=12):
    dense = (np.random.RandomState(seed).rand(n, c) < 0.3).astype(np.uint8)
    dense[np.arange(n), np.random.RandomState(seed + 1).randint(0, c, n)] = 1
    return dense


@pytest.mark.parametrize('known_frac,k', [(0.1, 1), (0.5, 6), (1.0, 12)])
def test_the_draw_keeps_k_true_entries_per_image(known_frac, k):
    dense = full_labels()
    drawn = draw_partial_labels(SparseLabels.from_dense(dense), known_frac, 7)
    observed = drawn.to_dense(dtype=np.int8, negative=-1)
    assert ((observed != 0).sum(axis=1) == k).all()
    known = observed != 0
    # Every kept entry has its true state.
    assert ((observed[known] == 1) == (dense[known] == 1)).all()
    # Uniform over classes: every class is kept about k / C of the time.
    share = known.mean(axis=0)
    assert np.abs(share - k / 12).max() < 0.1


def test_the_draw_is_reproducible_and_depends_on_the_seed_only():
    labels = SparseLabels.from_dense(full_labels())
    a = draw_partial_labels(labels, 0.25, 3, chunk=7)
    assert a == draw_partial_labels(labels, 0.25, 3, chunk=4096)
    assert not a == draw_partial_labels(labels, 0.25, 4)
    with pytest.raises(ValueError, match=r'known_frac must be in \(0, 1\]'):
        draw_partial_labels(labels, 0.0)


@pytest.fixture(scope='module')
def mosaics(tmp_path_factory):
    root = tmp_path_factory.mktemp('partial') / 'm'
    make_mnist_mosaics(str(root), num_train=80, num_test=10)
    return root


def source(root, **kwargs):
    return dict(
        type='MNISTMosaicDataset',
        data_root=str(root),
        split='train',
        pipeline=[dict(type='PackInputs')],
        **kwargs,
    )


def test_simulated_partial_labels_keep_the_rows_split_and_full_labels(
    mosaics,
):
    for split in ('train', 'val'):
        sp = SinglePositiveDataset(source(mosaics), split=split)
        partial = PartialLabelDataset(
            source(mosaics), known_frac=0.5, split=split
        )
        assert (partial.rows == sp.rows).all()
        assert partial.full == sp.full
        for idx in (0, len(partial) - 1):
            info = partial.get_data_info(idx)
            row = partial.observed.to_dense(
                dtype=np.int8, rows=np.array([idx]), negative=-1
            )[0]
            assert info['gt_score'].tolist() == row.tolist()
            assert info['gt_label'] == np.flatnonzero(row == 1).tolist()
            sample = partial[idx]['data_samples']
            assert sample.gt_score.tolist() == row.tolist()
            assert sample.full_gt_label.tolist() == sp.get_cat_ids(idx)
    # Single positives carry no gt_score: their runs are as before.
    assert 'gt_score' not in sp.get_data_info(0)


def test_a_files_own_partial_labels_are_read_without_full_labels(mosaics):
    ann = json.loads((mosaics / 'train.json').read_text())
    for row in ann['data_list']:
        row['neg_label'] = [c for c in range(10) if c not in row['gt_label']]
        row['neg_label'] = row['neg_label'][: len(row['neg_label']) // 2]
    ann['data_list'][0]['gt_label'] = []  # only negatives known
    (mosaics / 'partial.json').write_text(json.dumps(ann))
    cfg = dict(
        type='SPMLMultiLabelDataset',
        data_root=str(mosaics),
        ann_file='partial.json',
        pipeline=[dict(type='PackInputs')],
    )
    dataset = PartialLabelDataset(cfg, known_frac='dataset')
    assert dataset.full is None and dataset.full_labels is None
    assert len(dataset) == len(ann['data_list'])  # no row dropped
    for idx in (0, 5):
        row = ann['data_list'][idx]
        score = dataset.get_data_info(idx)['gt_score']
        assert np.flatnonzero(score == 1).tolist() == row['gt_label']
        assert np.flatnonzero(score == -1).tolist() == row['neg_label']
        assert 'full_gt_label' not in dataset[idx]['data_samples']
    with pytest.raises(ValueError, match='known_frac must be a fraction'):
        PartialLabelDataset(cfg, known_frac=1.5)


@pytest.mark.parametrize(
    'neg_label,match',
    [
        ('auto', r'data_list\[3\].*class \d+ is both in gt_label and'),
        ([99], r'data_list\[3\].*neg_label 99 .* is outside \[0, 10\)'),
        (['zero'], r'data_list\[3\].*neg_label holds class indices, not'),
        (2, r'data_list\[3\].*neg_label must be a list'),
    ],
)
def test_a_bad_neg_label_names_the_file_and_row(mosaics, neg_label, match):
    from mmspml.datasets import SPMLMultiLabelDataset

    ann = json.loads((mosaics / 'train.json').read_text())
    row = ann['data_list'][3]
    row['neg_label'] = (
        row['gt_label'][:1] if neg_label == 'auto' else (neg_label)
    )
    path = mosaics / 'bad.json'
    path.write_text(json.dumps(ann))
    with pytest.raises((ValueError, TypeError), match=match) as info:
        SPMLMultiLabelDataset(data_root=str(mosaics), ann_file='bad.json')
    assert 'bad.json' in str(info.value)


def write_partial_file(mosaics, name, negatives_every=2):
    """The demo's train file with verified negatives on every
    ``negatives_every``-th row (each row keeps its positives); returns the
    dataset config, the number of negatives and of images with some."""
    ann = json.loads((mosaics / 'train.json').read_text())
    count = images = 0
    for i, row in enumerate(ann['data_list']):
        row['neg_label'] = []
        if negatives_every and i % negatives_every == 0:
            row['neg_label'] = [
                c for c in range(10) if c not in row['gt_label']
            ][:2]
            count += len(row['neg_label'])
            images += 1
    (mosaics / name).write_text(json.dumps(ann))
    cfg = dict(
        type='SPMLMultiLabelDataset',
        data_root=str(mosaics),
        ann_file=name,
        pipeline=[dict(type='PackInputs')],
    )
    return cfg, count, images


def test_single_positives_refuse_a_files_verified_negatives(mosaics):
    cfg, count, images = write_partial_file(mosaics, 'negatives.json')
    for split in ('train', 'val'):
        with pytest.raises(ValueError) as info:
            SinglePositiveDataset(cfg, split=split)
        message = str(info.value)
        assert str(mosaics / 'negatives.json') in message
        assert (
            f'{count} verified negatives (neg_label) in {images} of 80 '
            'images' in message
        )
        assert (
            "dict(type='PartialLabelDataset', known_frac='dataset'" in message
        )
        assert "on_verified_negatives='drop'" in message
    # The wrapper made for such files reads them as before.
    partial = PartialLabelDataset(cfg, known_frac='dataset', split='train')
    assert (partial.observed_labels == -1).sum() > 0
    # Simulating partial labels from them would read gt_label as full.
    with pytest.raises(ValueError) as info:
        PartialLabelDataset(cfg, known_frac=0.1, split='train')
    assert str(mosaics / 'negatives.json') in str(info.value)
    assert "known_frac='dataset'" in str(info.value)
    with pytest.raises(ValueError, match="on_verified_negatives must be 'e"):
        SinglePositiveDataset(cfg, on_verified_negatives='keep')


def test_dropping_verified_negatives_is_asked_for_and_logged(
    mosaics, monkeypatch
):
    logged = []
    monkeypatch.setattr(
        'mmspml.datasets.label_source.print_log',
        lambda msg, **kwargs: logged.append(msg),
    )
    cfg, count, images = write_partial_file(mosaics, 'dropped.json')
    train = SinglePositiveDataset(
        cfg, split='train', on_verified_negatives='drop'
    )
    val = SinglePositiveDataset(cfg, split='val', on_verified_negatives='drop')
    assert train.source is val.source  # one parse and draw for both
    assert len(train) + len(val) == 80
    assert train.observed.states is None  # single positives only
    dropped = [m for m in logged if "on_verified_negatives='drop'" in m]
    assert len(dropped) == 1
    assert f'dropped {count} verified negatives' in dropped[0]
    assert f'in {images} of 80 images' in dropped[0]
    assert 'dropped.json' in dropped[0]


def test_a_file_with_empty_neg_labels_is_single_positive_data(mosaics):
    # What export_observed_labels.py writes: neg_label [] on every row.
    cfg, count, _ = write_partial_file(
        mosaics, 'no_negatives.json', negatives_every=0
    )
    assert count == 0
    sp = SinglePositiveDataset(cfg, split='train')
    assert len(sp) == 64
