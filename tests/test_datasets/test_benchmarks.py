"""The benchmark readers on tiny copies of the official layouts: labels, row
order, class order, split sizes and the single-positive draw."""

import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmspml  # noqa: F401
from mmspml.datasets import (
    load_coco2014,
    load_cub_attributes,
    load_formatted,
    load_nuswide,
    load_voc2012,
    split_train_val,
)
from mmspml.datasets.benchmarks import VOC_CLASSES
from tests.helpers import benchmark_fixtures as fx
from tests.helpers.data import cole_observe_single_positive

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_voc_rows_sorted_difficult_not_positive(tmp_path):
    ids = ['2009_000010', '2008_000002', '2008_000001', '2010_000005']
    values = -np.ones((4, 20), dtype=int)
    values[0, [0, 14]] = 1  # aeroplane, person
    values[1, 7] = 1  # cat
    values[1, 8] = 0  # chair: difficult, not positive
    values[2, 19] = 0  # only difficult: no positive -> dropped
    values[3, 19] = 1  # tvmonitor
    fx.write_voc(str(tmp_path), 'train', ids, values)
    table = load_voc2012(str(tmp_path), 'train')
    assert table.img_paths == [
        'VOCdevkit/VOC2012/JPEGImages/2008_000002.jpg',
        'VOCdevkit/VOC2012/JPEGImages/2009_000010.jpg',
        'VOCdevkit/VOC2012/JPEGImages/2010_000005.jpg',
    ]
    assert [np.flatnonzero(r).tolist() for r in table.labels] == [
        [7],
        [0, 14],
        [19],
    ]
    assert table.classes[0] == 'aeroplane' and table.classes[-1] == 'tvmonitor'
    assert table.dropped == {
        'no positive label (only -1 or difficult)': ['2008_000001']
    }


def test_voc_split_sizes_and_draw_follow_the_protocol(tmp_path):
    ids = [f'2008_{i:06d}' for i in range(5717)]
    rng = np.random.RandomState(0)
    values = rng.choice([-1, 1], size=(5717, 20), p=[0.9, 0.1])
    values[np.arange(5717), rng.randint(0, 20, 5717)] = 1
    fx.write_voc(str(tmp_path), 'train', ids, values)
    source = dict(type='SPMLVOC', data_root=str(tmp_path), split='train')
    train = DATASETS.build(
        dict(type='SinglePositiveDataset', dataset=source, split='train')
    )
    val = DATASETS.build(
        dict(type='SinglePositiveDataset', dataset=source, split='val')
    )
    assert (len(train), len(val)) == (4574, 1143)
    labels = (values == 1).astype(np.uint8)
    train_idx, _ = split_train_val(5717)
    np.testing.assert_array_equal(
        train.observed_labels,
        cole_observe_single_positive(labels, 1200)[train_idx],
    )
    assert train.metainfo['classes'] == VOC_CLASSES


def test_coco_rows_sorted_as_strings_classes_in_file_order(tmp_path):
    categories = [(5, 'five'), (1, 'one'), (90, 'ninety')]
    images = [9, 100, 25, 10, 7]
    anns = [(9, 90), (100, 5), (100, 1), (25, 1), (10, 90), (10, 90)]
    fx.write_coco(str(tmp_path), 'train', categories, images, anns)
    table = load_coco2014(str(tmp_path), 'train')
    assert table.img_paths == [
        f'train2014/COCO_train2014_{i:012d}.jpg' for i in (10, 100, 25, 9)
    ]
    assert table.classes == ['five', 'one', 'ninety']
    assert table.labels.tolist() == [
        [0, 0, 1],
        [1, 1, 0],
        [0, 1, 0],
        [0, 0, 1],
    ]
    assert table.dropped == {
        'no instance annotation': ['COCO_train2014_000000000007.jpg']
    }


def test_cub_attributes_by_is_present_and_split(tmp_path):
    is_train = np.array([1, 0, 1, 1, 0], dtype=bool)
    present = (np.random.RandomState(1).rand(5, 312) < 0.2).astype(int)
    fx.write_cub(str(tmp_path), 5, 312, is_train, present, extra_columns=True)
    train = load_cub_attributes(str(tmp_path), 'train')
    test = load_cub_attributes(str(tmp_path), 'test')
    np.testing.assert_array_equal(train.labels, present[[0, 2, 3]])
    np.testing.assert_array_equal(test.labels, present[[1, 4]])
    assert train.img_paths[1] == 'CUB_200_2011/images/002.Bird/img_2.jpg'
    assert train.classes[311] == 'has_attr::311'


def test_cub_missing_value_is_reported(tmp_path):
    fx.write_cub(str(tmp_path), 3, 312, np.ones(3, bool), np.ones((3, 312)))
    path = osp.join(
        tmp_path, 'CUB_200_2011', 'attributes', 'image_attribute_labels.txt'
    )
    lines = open(path).read().splitlines()
    open(path, 'w').write('\n'.join(lines[:-1]) + '\n')
    with pytest.raises(ValueError, match='image 3, attribute 312'):
        load_cub_attributes(str(tmp_path), 'train')


def test_nuswide_official_lists_drop_unlabelled_images(tmp_path):
    concepts = ['airport', 'animal', 'beach']
    lists = {
        'train': ['actor\\0001_1.jpg', 'beach\\0002_2.jpg', 'zoo\\0003_3.jpg']
    }
    labels = {'train': np.array([[0, 1, 0], [0, 0, 0], [1, 0, 1]])}
    fx.write_nuswide(str(tmp_path), concepts, lists, labels)
    table = load_nuswide(str(tmp_path), 'train')
    assert table.img_paths == [
        'Flickr/actor/0001_1.jpg',
        'Flickr/zoo/0003_3.jpg',
    ]
    assert table.labels.tolist() == [[0, 1, 0], [1, 0, 1]]
    assert table.dropped == {
        'no label among the 81 concepts': ['Flickr/beach/0002_2.jpg']
    }


def test_nuswide_label_file_length_mismatch(tmp_path):
    fx.write_nuswide(
        str(tmp_path),
        ['a'],
        {'test': ['x\\1.jpg', 'x\\2.jpg']},
        {'test': np.array([[1], [0]])},
    )
    path = osp.join(
        tmp_path, 'Groundtruth', 'TrainTestLabels', 'Labels_a_Test.txt'
    )
    open(path, 'w').write('1\n')
    with pytest.raises(ValueError, match='Labels_a_Test.txt: expected 2'):
        load_nuswide(str(tmp_path), 'test')


def test_formatted_files_and_their_observed_labels(tmp_path):
    labels = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 1], [0, 0, 1]])
    observed = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]])
    fx.write_formatted(
        str(tmp_path),
        'train',
        [f'im{i}.jpg' for i in range(4)],
        labels,
        np.where(observed == 1, 1, 0),
    )
    table = load_formatted(str(tmp_path), 'train', img_prefix='Flickr')
    assert table.img_paths[2] == 'Flickr/im2.jpg'
    np.testing.assert_array_equal(table.labels, labels)
    wrapped = DATASETS.build(
        dict(
            type='SinglePositiveDataset',
            observed='dataset',
            dataset=dict(type='SPMLFormatted', data_root=str(tmp_path)),
        )
    )
    np.testing.assert_array_equal(wrapped.observed_labels, observed)
    fx.write_formatted(
        str(tmp_path), 'val', ['a.jpg'], labels[:1], np.array([[0, 1, 0]])
    )
    with pytest.raises(ValueError, match='not a positive'):
        load_formatted(str(tmp_path), 'val')


@pytest.mark.parametrize(
    'dataset_type,split,expected',
    [
        ('SPMLVOC', 'train', 'VOCdevkit/VOC2012/'),
        ('SPMLCOCO', 'val', 'instances_{train,val}2014.json'),
        ('SPMLCUB', 'test', 'image_attribute_labels.txt'),
        ('SPMLNUSWIDE', 'train', 'Concepts81.txt'),
        ('SPMLFormatted', 'train', 'formatted_{train,val}_labels.npy'),
    ],
)
def test_missing_dataset_names_path_and_layout(
    tmp_path, dataset_type, split, expected
):
    with pytest.raises(FileNotFoundError) as err:
        DATASETS.build(
            dict(type=dataset_type, data_root=str(tmp_path), split=split)
        )
    assert str(tmp_path) in str(err.value)
    assert expected in str(err.value)


def test_converter_writes_annotations_and_reports(tmp_path):
    fx.random_voc(str(tmp_path), 30, seed=2)
    proc = subprocess.run(
        [
            sys.executable,
            'tools/dataset_converters/spml_to_mmpretrain.py',
            'voc',
            str(tmp_path),
            '--out-dir',
            str(tmp_path / 'ann'),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={'PYTHONPATH': REPO, 'PATH': '/usr/bin:/bin'},
    )
    assert proc.returncode == 0, proc.stderr
    assert 'voc train: 30 images kept, 20 classes' in proc.stdout
    assert '80/20 split: 24 train / 6 val' in proc.stdout
    with open(tmp_path / 'ann' / 'spml_train.json') as f:
        ann = json.load(f)
    table = load_voc2012(str(tmp_path), 'train')
    assert [d['img_path'] for d in ann['data_list']] == table.img_paths
    assert [d['gt_label'] for d in ann['data_list']] == [
        np.flatnonzero(r).tolist() for r in table.labels
    ]
    # The annotation file trains like the raw layout.
    as_json = DATASETS.build(
        dict(
            type='SPMLMultiLabelDataset',
            data_root=str(tmp_path),
            ann_file='ann/spml_train.json',
        )
    )
    assert as_json.get_cat_ids(3) == np.flatnonzero(table.labels[3]).tolist()
