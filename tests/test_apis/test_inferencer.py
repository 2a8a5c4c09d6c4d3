"""SPMLInferencer: its scores are the model's test-time scores, for files,
folders and arrays; its labels follow the documented rules; bad inputs,
thresholds files and checkpoints are refused with a clear message, and a
checkpoint that would run code is refused before it runs."""

import json
import pickle

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

from mmspml.apis import SPMLInferencer
from mmspml.datasets.mnist_mosaic import DIGIT_CLASSES
from mmspml.evaluation import predicted_labels, save_thresholds
from tests.helpers.checkpoints import RunsACommand
from tests.helpers.data import tiny_classifier
from tests.helpers.runner_utils import write_tiny_config


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    """A tiny demo config, a checkpoint of its model with random weights
    (BatchNorm statistics included, so that loading them matters) and the
    test-time scores of every test image: ``model.test_step`` over the
    config's test dataloader, as the Runner's test loop runs it."""
    tmp = tmp_path_factory.mktemp('inferencer')
    config = write_tiny_config(tmp, num_train=40, num_test=24)
    cfg = Config.fromfile(str(config))
    torch.manual_seed(0)
    # The config's top-level data_preprocessor, as the Runner gives it.
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
        model.init_weights()
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 2.0)
        torch.nn.init.normal_(model.head.fc.weight, std=2.0)
        model.eval()
        work_dir = tmp / 'work'
        work_dir.mkdir()
        checkpoint = work_dir / 'best_spml_mAP_epoch_3.pth'
        torch.save(
            dict(
                meta=dict(dataset_meta=dict(classes=list(DIGIT_CLASSES))),
                state_dict=model.state_dict(),
            ),
            checkpoint,
        )
        loader = dict(
            cfg.test_dataloader, batch_size=5, persistent_workers=False
        )
        reference = {}
        with torch.no_grad():
            for batch in Runner.build_dataloader(loader):
                for sample in model.test_step(batch):
                    reference[sample.img_path] = sample.pred_score.numpy()
    return dict(
        config=str(config),
        work_dir=str(work_dir),
        checkpoint=str(checkpoint),
        reference=reference,
        images=tmp / 'mnist_mosaic' / 'images' / 'test',
    )


@pytest.fixture(scope='module')
def inferencer(demo):
    return SPMLInferencer(demo['config'], demo['work_dir'], device='cpu')


def scores_of(records):
    return np.array([list(r['scores'].values()) for r in records])


def test_file_scores_equal_the_test_time_scores(demo, inferencer):
    assert inferencer.checkpoint == demo['checkpoint']  # the best-val file
    assert inferencer.classes == list(DIGIT_CLASSES)
    paths = sorted(demo['reference'])
    records = inferencer(paths, batch_size=7, show_progress=False)
    assert [r['img_path'] for r in records] == paths
    assert all(list(r['scores']) == list(DIGIT_CLASSES) for r in records)
    expected = np.stack([demo['reference'][p] for p in paths])
    np.testing.assert_allclose(scores_of(records), expected, rtol=0, atol=1e-6)
    assert expected.min() < 0.2 and expected.max() > 0.8  # not all ~0.5


def test_a_folder_gives_its_images_in_name_order(demo, inferencer):
    records = inferencer(
        str(demo['images']), batch_size=4, show_progress=False
    )
    paths = [r['img_path'] for r in records]
    assert sorted(demo['reference']) == [
        str(demo['images'] / p.split('/')[-1]) for p in paths
    ]
    np.testing.assert_allclose(
        scores_of(records),
        np.stack([demo['reference'][p] for p in sorted(demo['reference'])]),
        rtol=0,
        atol=1e-6,
    )


def test_array_inputs_score_as_their_files(demo, inferencer):
    paths = sorted(demo['reference'])[:3]
    bgr = [mmcv.imread(p) for p in paths]  # as LoadImageFromFile reads
    gray = mmcv.imread(paths[0], flag='grayscale')
    records = inferencer(
        [bgr[0], gray, np.stack(bgr[1:])], batch_size=2, show_progress=False
    )
    assert [r['img_path'] for r in records] == [None] * 4
    expected = np.stack(
        [demo['reference'][p] for p in [paths[0], paths[0], *paths[1:]]]
    )
    np.testing.assert_allclose(scores_of(records), expected, rtol=0, atol=1e-6)


def test_labels_follow_threshold_topk_and_class_thresholds(demo, tmp_path):
    paths = sorted(demo['reference'])
    scores = np.stack([demo['reference'][p] for p in paths])
    thresholds = np.random.RandomState(0).uniform(0.2, 0.8, 10)
    save_thresholds(
        str(tmp_path / 'thr.json'), DIGIT_CLASSES, thresholds, 'f1', 'test'
    )
    rules = [
        dict(),
        dict(threshold=0.3),
        dict(topk=3),
        dict(thresholds=str(tmp_path / 'thr.json')),
        dict(thresholds=list(thresholds)),
    ]
    expected = [
        dict(),
        dict(threshold=0.3),
        dict(topk=3),
        dict(thresholds=thresholds),
        dict(thresholds=thresholds),
    ]
    for rule, same in zip(rules, expected):
        inferencer = SPMLInferencer(
            demo['config'], demo['checkpoint'], device='cpu', **rule
        )
        records = inferencer(paths, batch_size=8, show_progress=False)
        want = predicted_labels(scores, **same)
        assert [r['labels'] for r in records] == [
            [DIGIT_CLASSES[i] for i in row] for row in want
        ], rule
        # The labels also follow from the returned scores themselves.
        returned = scores_of(records)
        if 'thresholds' in same:
            for record, row in zip(records, returned):
                assert set(record['labels']) == {
                    DIGIT_CLASSES[i]
                    for i in np.flatnonzero(row >= same['thresholds'])
                }
    assert any(want)  # some image got a label under the last rule


def test_show_dir_writes_one_drawn_image_per_input(demo, inferencer, tmp_path):
    paths = sorted(demo['reference'])[:2]
    inferencer(
        paths + [mmcv.imread(paths[0])],
        show_progress=False,
        show_dir=str(tmp_path / 'show'),
    )
    names = sorted(p.name for p in (tmp_path / 'show').iterdir())
    stems = [p.split('/')[-1][:-4] for p in paths]
    assert names == sorted([f'{s}.png' for s in stems] + ['00002.png'])
    drawn = mmcv.imread(str(tmp_path / 'show' / names[0]))
    assert min(drawn.shape[:2]) == 224  # 56 px images are enlarged


def test_datasets_score_with_full_and_observed_labels(demo, inferencer):
    data = inferencer.score_dataloader(
        inferencer.build_dataloader('val'), show_progress=False
    )
    assert data['has_full_gt_label']
    assert (data['observed'].sum(axis=1) == 1).all()  # single positives
    assert (data['labels'] >= data['observed']).all()
    assert data['labels'].sum() > data['observed'].sum()
    assert data['scores'].shape == data['labels'].shape
    # The full labels are each image's gt_label in the annotation file, read
    # here; the validation split is 20 % of the 40 training images.
    root = demo['images'].parent.parent
    with open(root / 'train.json') as f:
        listed = {
            str(root / item['img_path']): item['gt_label']
            for item in json.load(f)['data_list']
        }
    assert len(data['img_paths']) == 8
    assert [np.flatnonzero(row).tolist() for row in data['labels']] == [
        sorted(listed[path]) for path in data['img_paths']
    ]


def test_bad_inputs_are_named(demo, inferencer, tmp_path):
    with pytest.raises(
        FileNotFoundError, match="input '.*nothing.png' not found"
    ):
        inferencer(
            [sorted(demo['reference'])[0], str(tmp_path / 'nothing.png')]
        )
    (tmp_path / 'notes.txt').write_text('not an image')
    with pytest.raises(
        ValueError, match=f"input folder '{tmp_path}' holds no image files"
    ):
        inferencer(str(tmp_path))
    with pytest.raises(ValueError, match='topk must be between 1 and 10'):
        SPMLInferencer(demo['config'], demo['checkpoint'], topk=11)


def test_a_thresholds_file_for_other_classes_is_refused(demo, tmp_path):
    path = tmp_path / 'other.json'
    save_thresholds(str(path), DIGIT_CLASSES[:9], [0.5] * 9, 'f1', 'test')
    with pytest.raises(
        ValueError,
        match='other.json holds 9 classes but the model predicts 10',
    ):
        SPMLInferencer(
            demo['config'], demo['checkpoint'], thresholds=str(path)
        )
    record = json.loads(path.read_text())
    record['classes'] = ['a', *DIGIT_CLASSES[1:]]
    record['thresholds'].append(0.5)
    path.write_text(json.dumps(record))
    with pytest.raises(
        ValueError,
        match=r'no threshold for the classes '
        r"\['zero'\] and has thresholds for \['a'\]",
    ):
        SPMLInferencer(
            demo['config'], demo['checkpoint'], thresholds=str(path)
        )


def test_a_checkpoint_of_another_model_is_refused(demo):
    cfg = Config.fromfile(demo['config'])
    cfg.model.head.num_classes = 9
    with pytest.raises(
        ValueError,
        match=r'does not fit the model of the '
        r'config .*head.fc.weight: \(10, 64\) in the '
        r'checkpoint, \(9, 64\) in the model',
    ):
        SPMLInferencer(cfg, demo['checkpoint'])


def test_a_checkpoint_that_runs_code_is_refused_before_it_runs(demo, tmp_path):
    checkpoint = torch.load(demo['checkpoint'], weights_only=True)
    marker = tmp_path / 'pwned'
    checkpoint['meta']['note'] = RunsACommand(marker)
    torch.save(checkpoint, tmp_path / 'evil.pth')
    with pytest.raises(
        pickle.UnpicklingError,
        match='evil.pth: holds '
        r'posix.system, which safe loading \(torch.load '
        r'weights_only=True\) does not rebuild',
    ):
        SPMLInferencer(demo['config'], str(tmp_path / 'evil.pth'))
    assert not marker.exists()


def test_a_loss_s_training_state_is_not_loaded(tmp_path):
    """A ROLE checkpoint holds N x C estimates; predicting needs only the
    model's weights, so the state is left in the file."""
    import numpy as np

    from mmspml.datasets import SparseLabels
    from mmspml.engine.runner.checkpoint import load_checkpoint_checked

    def build():
        return tiny_classifier(3, dict(type='ROLELoss', expected_num_pos=1.0))

    trained = build()
    trained.head.loss_module.init_sample_state(
        SparseLabels.from_single(np.arange(50) % 3, 3)
    )
    with torch.no_grad():
        trained.head.fc.weight.mul_(3)
    path = tmp_path / 'role.pth'
    torch.save(dict(state_dict=trained.state_dict(), meta={}), path)
    saved = trained.state_dict()['head.loss_module._extra_state']
    assert saved['sample_state']['estimates'].shape == (50, 3)

    fresh = build()
    load_checkpoint_checked(fresh, str(path))
    assert fresh.head.loss_module.state == {}
    assert fresh.state_dict()['head.loss_module._extra_state'].numel() == 0
    assert torch.equal(fresh.head.fc.weight, trained.head.fc.weight)
