import os.path as osp

import pytest

from tests.helpers.data import write_multilabel_dataset


@pytest.fixture
def multilabel_dataset(tmp_path):
    """Factory: ``multilabel_dataset(labels)`` -> dataset config dict."""

    def make(labels, **kwargs):
        ann = write_multilabel_dataset(str(tmp_path), labels, **kwargs)
        return dict(
            type='SPMLMultiLabelDataset',
            data_root=str(tmp_path),
            ann_file=osp.basename(ann),
            pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')],
        )

    return make
