"""Every image file a dataset cannot read is listed at once, before
training, from the files' metadata only; images in memory or behind
another file backend are left alone."""

import os
import os.path as osp

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmspml  # noqa: F401
from mmspml.datasets import SinglePositiveDataset, make_mnist_mosaics
from mmspml.datasets.image_files import (
    check_image_files,
    file_problem,
    image_paths_of,
    unreadable_images,
)
from mmspml.datasets.single_positive import build_pipeline
from tests.helpers.data import random_labels


def image(root, i):
    return osp.join(root, f'img_{i:04d}.png')


def test_every_bad_image_of_every_dataset_is_listed_in_one_error(
    multilabel_dataset, tmp_path
):
    source = multilabel_dataset(random_labels(30, 3))
    train = SinglePositiveDataset(source, split='train')
    val = SinglePositiveDataset(source, split='val')
    gone = [int(r) for r in train.rows[:12]]
    for row in gone:
        os.remove(image(tmp_path, row))
    empty = int(val.rows[0])
    open(image(tmp_path, empty), 'wb').close()
    with pytest.raises(FileNotFoundError) as info:
        check_image_files(
            [('train_dataloader', train), ('val_dataloader', val)]
        )
    message = str(info.value)
    assert message.startswith(
        '13 image files cannot be read (missing, empty or not readable), '
        'found before training.'
    )
    assert "on_bad_image='skip'" in message
    ann = osp.join(tmp_path, 'ann.json')
    where = f"SinglePositiveDataset(SPMLMultiLabelDataset('{ann}'))"
    assert f'train_dataloader {where}: 12 of {len(train)} images' in message
    assert f'val_dataloader {where}: 1 of {len(val)} images' in message
    for row in gone[:10]:
        assert f'{image(tmp_path, row)}: missing' in message
    assert image(tmp_path, gone[10]) not in message
    assert '  ... and 2 more' in message
    assert f'{image(tmp_path, empty)}: empty (0 bytes)' in message


def test_a_wrong_data_root_is_named(multilabel_dataset, tmp_path):
    dataset = DATASETS.build(multilabel_dataset(random_labels(4, 3)))
    for row in range(4):
        os.remove(image(tmp_path, row))
    with pytest.raises(FileNotFoundError, match='check data_root') as info:
        check_image_files([('test_dataloader', dataset)], before='testing')
    assert 'found before testing' in str(info.value)
    assert "SPMLMultiLabelDataset('" in str(info.value)


def test_only_metadata_is_read(multilabel_dataset, tmp_path):
    dataset = DATASETS.build(multilabel_dataset(random_labels(4, 3)))
    with open(image(tmp_path, 1), 'wb') as f:
        f.write(b'not a png')  # decoding would fail; the check does not
    os.mkdir(osp.join(tmp_path, 'folder.png'))
    assert unreadable_images(dataset) == ([], 4)
    assert file_problem(osp.join(tmp_path, 'folder.png')) == 'not a file'
    assert file_problem(osp.join(image(tmp_path, 0), 'x')).startswith(
        'cannot stat (NotADirectoryError'
    )


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads any file')
def test_an_unreadable_file_is_named(tmp_path):
    path = tmp_path / 'locked.png'
    path.write_bytes(b'x')
    path.chmod(0)
    assert file_problem(str(path)) == 'not readable (permissions)'


class InfoDataset:
    """A dataset that only has ``get_data_info`` (and a pipeline)."""

    def __init__(self, infos, pipeline=None):
        self.infos, self.pipeline = infos, pipeline

    def __len__(self):
        return len(self.infos)

    def get_data_info(self, idx):
        return dict(self.infos[idx])


def test_images_in_memory_or_on_another_backend_are_not_checked(tmp_path):
    in_memory = InfoDataset(
        [dict(img=np.zeros((2, 2, 3), np.uint8), img_path='gone.png')]
    )
    remote = InfoDataset([dict(img_path='s3://bucket/gone.jpg'), dict()])
    assert image_paths_of(in_memory) == [None]
    assert image_paths_of(remote) == ['s3://bucket/gone.jpg', None]
    mapped = InfoDataset(
        [dict(img_path=str(tmp_path / 'gone.jpg'))],
        pipeline=build_pipeline(
            [
                dict(
                    type='LoadImageFromFile',
                    backend_args=dict(
                        backend='petrel', path_mapping={'/': 's3://'}
                    ),
                )
            ]
        ),
    )
    iterable = object()  # no get_data_info, no length
    check_image_files(
        [('a', in_memory), ('b', remote), ('c', mapped), ('d', iterable)]
    )
    local = InfoDataset([dict(img_path=str(tmp_path / 'gone.jpg'))])
    with pytest.raises(FileNotFoundError, match='gone.jpg: missing'):
        check_image_files([('e', local)])


def test_the_demo_passes(tmp_path):
    make_mnist_mosaics(str(tmp_path / 'm'), num_train=40, num_test=10)
    dataset = DATASETS.build(
        dict(type='MNISTMosaicDataset', data_root=str(tmp_path / 'm'))
    )
    assert unreadable_images(dataset) == ([], 40)
    check_image_files(
        [
            (
                'train_dataloader',
                SinglePositiveDataset(
                    dict(
                        type='MNISTMosaicDataset',
                        data_root=str(tmp_path / 'm'),
                    ),
                    split='train',
                ),
            )
        ]
    )
