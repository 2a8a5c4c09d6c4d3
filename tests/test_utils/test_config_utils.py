"""--data-root reaches every dataset; tools/test.py finds the checkpoint of
a work dir."""

import os

import pytest
from mmengine.config import Config

import mmspml  # noqa: F401
from mmspml.utils import find_checkpoint, set_data_root
from tests.helpers.paths import config_file


def data_roots(cfg):
    return [
        cfg.train_dataloader.dataset.dataset.data_root,
        cfg.val_dataloader.dataset.dataset.data_root,
        cfg.test_dataloader.dataset.data_root,
    ]


@pytest.mark.parametrize(
    'method,dataset', [('gr', 'voc'), ('gr', 'demo'), ('role', 'nus')]
)
def test_data_root_reaches_every_dataset_including_wrapped_ones(
    method, dataset
):
    cfg = Config.fromfile(config_file(method, dataset))
    assert set(data_roots(cfg)) != {'/my/data'}
    assert set_data_root(cfg, '/my/data') == 3
    assert data_roots(cfg) == ['/my/data'] * 3


def test_missing_data_names_the_path_and_the_option(tmp_path):
    from mmpretrain.registry import DATASETS

    cfg = Config.fromfile(config_file('gr', 'voc'))
    set_data_root(cfg, str(tmp_path / 'voc'))
    with pytest.raises(
        FileNotFoundError, match=f'(?s){tmp_path}/voc/VOCdevkit.*--data-root'
    ):
        DATASETS.build(cfg.train_dataloader.dataset)


def test_a_config_without_data_root_is_refused():
    cfg = Config(dict(train_dataloader=dict(dataset=dict(type='X'))))
    with pytest.raises(ValueError, match='no dataset'):
        set_data_root(cfg, '/my/data')


def test_find_checkpoint_prefers_the_best_of_a_work_dir(tmp_path):
    (tmp_path / 'epoch_3.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert find_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
    (tmp_path / 'best_spml_mAP_epoch_2.pth').write_bytes(b'')
    assert find_checkpoint(str(tmp_path)) == str(
        tmp_path / 'best_spml_mAP_epoch_2.pth'
    )
    assert find_checkpoint(str(tmp_path / 'epoch_3.pth')) == str(
        tmp_path / 'epoch_3.pth'
    )
    (tmp_path / 'best_spml_mAP_epoch_1.pth').write_bytes(b'')
    with pytest.raises(ValueError, match='several best checkpoints'):
        find_checkpoint(str(tmp_path))


def test_find_checkpoint_says_what_it_needs(tmp_path):
    with pytest.raises(FileNotFoundError, match='no best_.*no other'):
        find_checkpoint(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='give a .pth file'):
        find_checkpoint(os.path.join(str(tmp_path), 'missing.pth'))
