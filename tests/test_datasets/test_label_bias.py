"""Label-bias protocols: the weighted draw, the weights from instances and
class files, the wrapper option, the scaled demo and the COCO converter."""

import json

import numpy as np
import pytest

from mmspml.datasets import (
    SinglePositiveDataset,
    SparseLabels,
    add_coco_instances,
    draw_single_positive,
    make_mnist_mosaics,
    sample_single_positive,
)
from mmspml.datasets.bias_weights import (
    ZERO_DISTANCE,
    instance_bias_weights,
    semantic_weights,
)
from tests.helpers.data import (
    cole_observe_single_positive,
    random_labels,
    write_multilabel_dataset,
)


def test_weights_none_is_the_uniform_draw_bit_for_bit():
    labels = random_labels(500, 12, seed=3)
    for seed in (0, 1200):
        expected = cole_observe_single_positive(labels, seed)
        assert np.array_equal(sample_single_positive(labels, seed), expected)
        assert np.array_equal(
            sample_single_positive(labels, seed, weights=None), expected
        )


def test_weights_that_single_out_one_class_always_pick_it():
    labels = random_labels(400, 8, seed=1)
    labels[:, 5] = 1
    weights = np.zeros(labels.shape)
    weights[:, 5] = 2.5
    for seed in range(5):
        observed = sample_single_positive(labels, seed, weights)
        assert observed.sum(axis=1).tolist() == [1] * 400
        assert (observed[:, 5] == 1).all()


def test_picks_follow_the_weights_and_never_a_zero_weight_or_a_negative():
    num = 30000
    labels = np.ones((num, 4), dtype=np.uint8)
    labels[:, 3] = 0  # a negative with a large weight is never drawn
    weights = np.tile([1.0, 0.0, 3.0, 100.0], (num, 1))
    observed = sample_single_positive(labels, 7, weights)
    freq = observed.mean(axis=0)
    assert freq[1] == 0 and freq[3] == 0
    assert abs(freq[0] - 0.25) < 0.01 and abs(freq[2] - 0.75) < 0.01
    # Per-entry weights (sparse) give the same draw as the dense matrix.
    sparse = SparseLabels.from_dense(labels)
    dense_pick = draw_single_positive(sparse, 7, weights)
    entry = weights[np.repeat(np.arange(num), 3), sparse.indices]
    assert np.array_equal(draw_single_positive(sparse, 7, entry), dense_pick)


def test_one_image_with_huge_weights_does_not_disturb_the_others():
    labels = random_labels(300, 6, seed=4)
    labels[:, 0] = 1
    weights = np.random.RandomState(0).uniform(0.5, 2.0, labels.shape)
    huge = weights.copy()
    huge[0] *= 1e17  # same ratios in row 0, a magnitude that swamps a sum
    for seed in range(5):
        assert np.array_equal(
            sample_single_positive(labels, seed, huge),
            sample_single_positive(labels, seed, weights),
        )
    overflow = weights.copy()
    overflow[9] = 1e308
    with pytest.raises(ValueError, match=r'float64 can hold.*\[9\]'):
        sample_single_positive(labels, 0, overflow)


@pytest.mark.parametrize(
    'value, message',
    [(np.nan, 'NaN, infinite or negative'), (-1.0, 'NaN, infinite')],
)
def test_bad_weights_name_the_row(value, message):
    labels = random_labels(50, 5, seed=2)
    weights = np.ones(labels.shape)
    weights[17, 2] = value
    with pytest.raises(ValueError, match=message) as err:
        sample_single_positive(labels, 0, weights)
    assert 'first rows: [17]' in str(err.value)


def test_weights_zero_on_all_positives_of_a_row_name_it():
    labels = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]], np.uint8)
    weights = np.array([[1, 5, 1], [3, 0, 0], [1, 1, 1]], float)
    with pytest.raises(ValueError, match=r'first rows: \[1\]'):
        sample_single_positive(labels, 0, weights)
    with pytest.raises(ValueError, match='expected shape'):
        sample_single_positive(labels, 0, np.ones((3, 2)))


def test_size_and_location_weights_from_instances():
    class Data:
        infos = [
            dict(
                img_path='a.png',
                width=100,
                height=100,
                instances=[
                    dict(label=0, area=300.0, bbox=[40, 40, 20, 20]),
                    dict(label=2, area=100.0, bbox=[0, 0, 20, 20]),
                    dict(label=2, area=50.0, bbox=[80, 40, 20, 20]),
                ],
            )
        ]

        def get_data_info(self, row):
            return self.infos[row]

    full = SparseLabels.from_lists([[0, 2]], 3)
    rows = np.array([0])
    size = instance_bias_weights(Data(), rows, full, 'size', 'data')
    assert size.tolist() == [300.0, 150.0]
    loc = instance_bias_weights(Data(), rows, full, 'location', 'data')
    # Class 0 sits on the centre; class 2 at distances sqrt(1600+1600)
    # and 40.
    expected = 1 / np.hypot(40, 40) + 1 / 40
    assert loc[0] == 1 / ZERO_DISTANCE
    assert loc[1] == pytest.approx(expected)
    # Bad values are named, never a TypeError or a NaN weight.
    good = json.loads(json.dumps(Data.infos[0]))
    for change, bias, message in (
        (dict(area=None), 'size', 'area None; expected a number >= 0'),
        (dict(area=float('nan')), 'size', 'area nan'),
        (dict(bbox=[1, 2, None, 4]), 'location', 'bbox .1, 2, None, 4.'),
        (dict(bbox=[1, 2]), 'location', '4 finite numbers'),
    ):
        Data.infos[0] = json.loads(json.dumps(good))
        Data.infos[0]['instances'][1].update(change)
        with pytest.raises(ValueError, match=message):
            instance_bias_weights(Data(), rows, full, bias, 'data')
    Data.infos[0] = dict(good, height=None)
    with pytest.raises(ValueError, match='height None'):
        instance_bias_weights(Data(), rows, full, 'location', 'data')
    Data.infos[0] = {k: v for k, v in good.items() if k != 'width'}
    with pytest.raises(ValueError, match="row 0. has no 'width'"):
        instance_bias_weights(Data(), rows, full, 'location', 'data')
    Data.infos[0] = good
    Data.infos[0]['instances'].append(dict(label=1, area=1, bbox=[0] * 4))
    with pytest.raises(ValueError, match='class 1, which is not among'):
        instance_bias_weights(Data(), rows, full, 'size', 'data')


def test_semantic_weights_file(tmp_path):
    full = SparseLabels.from_lists([[0, 1], [2]], 3)
    path = tmp_path / 'w.json'
    path.write_text(json.dumps({'a': 2.0, 'b': 0.5, 'c': 0.0}))
    weights = semantic_weights(str(path), ['a', 'b', 'c'], full)
    # Row 1's only positive weighs 0: uniform among its positives.
    assert weights.tolist() == [2.0, 0.5, 1.0]
    path.write_text(json.dumps({'a': 2.0, 'b': 0.5}))
    with pytest.raises(ValueError, match=r"missing \['c'\]"):
        semantic_weights(str(path), ['a', 'b', 'c'], full)
    with pytest.raises(ValueError, match='needs bias_file'):
        semantic_weights(None, ['a', 'b', 'c'], full)


def test_scaled_demo_boxes_and_wrapper_biases(tmp_path):
    root = tmp_path / 'scaled'
    make_mnist_mosaics(
        str(root), num_train=200, num_test=10, scale_range=(0.5, 1.0)
    )
    from PIL import Image

    data = json.loads((root / 'train.json').read_text())['data_list']
    sides = set()
    for info in data[:20]:
        image = np.asarray(Image.open(root / info['img_path']))
        lit = 0
        for inst in info['instances']:
            x, y, w, h = inst['bbox']
            assert 0 <= x and x + w <= 56 and 0 <= y and y + h <= 56
            assert inst['area'] == (image[y : y + h, x : x + w] > 0).sum()
            lit += inst['area']
            sides.add(w)
        assert lit == (image > 0).sum()  # nothing drawn outside the boxes
    assert len(sides) > 5  # digits at many scales
    source = dict(
        type='MNISTMosaicDataset',
        data_root=str(root),
        scale_range=(0.5, 1.0),
    )
    draws = {
        bias: SinglePositiveDataset(dict(source), bias=bias).observed
        for bias in ('uniform', 'size', 'location')
    }
    uniform = SinglePositiveDataset(dict(source)).observed
    assert draws['uniform'] == uniform
    assert draws['size'] != uniform and draws['location'] != uniform
    # The size draw picks the class of the largest instance area more often
    # than the uniform draw does.
    largest = [
        max(i['instances'], key=lambda inst: inst['area'])['label']
        for i in data
    ]
    hits = {
        bias: np.mean(
            [labels.positives(r)[0] == largest[r] for r in range(200)]
        )
        for bias, labels in draws.items()
    }
    assert hits['size'] > hits['uniform'] + 0.1
    with pytest.raises(ValueError, match='built with scale_range'):
        SinglePositiveDataset(dict(source, scale_range=None))


def test_bias_without_instances_says_which_file_to_add(tmp_path):
    path = write_multilabel_dataset(str(tmp_path), random_labels(6, 3))
    source = dict(type='SPMLMultiLabelDataset', ann_file=path)
    with pytest.raises(ValueError, match='add_coco_instances.py'):
        SinglePositiveDataset(source, bias='size')
    with pytest.raises(ValueError, match='bias must be one of'):
        SinglePositiveDataset(source, bias='colour')
    with pytest.raises(ValueError, match="needs observed='draw'"):
        SinglePositiveDataset(source, bias='size', observed='dataset')


def test_coco_instances_converter(tmp_path):
    from tests.helpers.runner_utils import python

    labels = np.array([[1, 0, 1], [0, 1, 0]], np.uint8)
    ann_path = write_multilabel_dataset(
        str(tmp_path), labels, classes=['cat', 'dog', 'car']
    )
    coco = dict(
        images=[
            dict(id=7, file_name='img_0000.png', width=16, height=16),
            dict(id=9, file_name='img_0001.png', width=16, height=16),
        ],
        categories=[
            dict(id=3, name='car'),
            dict(id=1, name='cat'),
            dict(id=2, name='dog'),
        ],
        annotations=[
            dict(id=1, image_id=7, category_id=1, bbox=[0, 0, 8, 8], area=0),
            dict(id=2, image_id=7, category_id=3, bbox=[8, 8, 4, 4], area=9),
            dict(id=3, image_id=9, category_id=2, bbox=[1, 1, 2, 2], area=3),
        ],
    )
    inst = tmp_path / 'instances.json'
    inst.write_text(json.dumps(coco))
    out = tmp_path / 'with_instances.json'
    log = python(
        'tools/dataset_converters/add_coco_instances.py',
        ann_path,
        '--instances',
        str(inst),
        '--out',
        str(out),
    )
    assert '2 images, 3 instances' in log
    source = dict(type='SPMLMultiLabelDataset', ann_file=str(out))
    observed = SinglePositiveDataset(source, bias='size').observed
    assert observed.positives(0).tolist() == [2]  # car: cat's area is 0
    ann = json.loads(out.read_text())
    assert ann['data_list'][0]['instances'][1] == dict(
        label=2, bbox=[8.0, 8.0, 4.0, 4.0], area=9.0
    )
    coco['annotations'][0]['category_id'] = 5
    inst.write_text(json.dumps(coco))
    log = python(
        'tools/dataset_converters/add_coco_instances.py',
        ann_path,
        '--instances',
        str(inst),
        '--out',
        str(out),
        ok=False,
    )
    assert 'instances.json' in log and 'annotation 1 has no' in log
    coco['annotations'][0]['category_id'] = 1
    classes = ['cat', 'dog', 'car']
    with pytest.raises(ValueError, match='not in the instances file'):
        add_coco_instances(ann, dict(coco, images=[]), classes)
    bad = json.loads(json.dumps(coco))
    del bad['images'][1]['width']
    with pytest.raises(ValueError, match="'img_0001.png' has no 'width'"):
        add_coco_instances(ann, bad, classes)
    bad = json.loads(json.dumps(coco))
    bad['annotations'][2]['bbox'] = None
    with pytest.raises(ValueError, match='annotation 3 has bbox None'):
        add_coco_instances(ann, bad, classes)


def test_coco_reader_gives_the_instances_to_the_size_bias(tmp_path):
    from mmspml.datasets import load_coco2014

    (tmp_path / 'annotations').mkdir()
    coco = dict(
        categories=[dict(id=4, name='cat'), dict(id=9, name='dog')],
        images=[
            dict(id=i, file_name=f'{i}.jpg', width=640, height=480)
            for i in (1, 2)
        ],
        annotations=[
            dict(id=1, image_id=1, category_id=4, bbox=[0, 0, 9, 9], area=0),
            dict(id=2, image_id=1, category_id=9, bbox=[1, 1, 5, 5], area=20),
            dict(id=3, image_id=2, category_id=4, bbox=[2, 2, 4, 4], area=5),
        ],
    )
    (tmp_path / 'annotations' / 'instances_train2014.json').write_text(
        json.dumps(coco)
    )
    table = load_coco2014(str(tmp_path), 'train')
    assert table.extra[0] == dict(
        width=640,
        height=480,
        instances=[
            dict(label=0, bbox=[0, 0, 9, 9], area=0),
            dict(label=1, bbox=[1, 1, 5, 5], area=20),
        ],
    )
    source = dict(type='SPMLCOCO', data_root=str(tmp_path), split='train')
    observed = SinglePositiveDataset(source, bias='size').observed
    assert [observed.positives(r).tolist() for r in (0, 1)] == [[1], [0]]


def test_the_log_counts_picks_per_class_next_to_the_uniform_draw():
    from mmspml.datasets.label_bias import picked_counts

    full = SparseLabels.from_lists([[0, 1], [1], [0, 1]], 2)
    table = picked_counts(
        np.array([0, 1, 0]), full, np.array([1, 1, 1]), ['cat', 'dog']
    )
    assert table.splitlines() == [
        'class | picked | uniform draw | images with it',
        'cat | 2 | 0 | 2',
        'dog | 1 | 3 | 3',
    ]
