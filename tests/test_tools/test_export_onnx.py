"""tools/deployment/export_onnx.py: the exported demo model, run by
onnxruntime on raw images, gives the scores of PyTorch's ``test_step`` for
any batch size; the input size comes from the test pipeline; a missing
deploy package is named with its install command."""

import json
import os.path as osp
import re
import sys

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu
from mmpretrain.registry import MODELS

import mmspml.deploy as deploy
from mmspml.datasets.mnist_mosaic import DIGIT_CLASSES
from mmspml.engine.runner import plain_checkpoint
from tests.helpers.paths import REPO, config_file
from tests.helpers.runner_utils import python

pytestmark = pytest.mark.slow  # the tool in a subprocess: ~10 s

TOOL = osp.join(REPO, 'tools', 'deployment', 'export_onnx.py')
# The demo with per-channel normalisation (ImageNet's values), so that a
# swapped channel order or a mean applied to the wrong channel changes the
# scores; the architecture is the demo's.
CONFIG = """
_base_ = ['{config}']
model = dict(data_preprocessor=dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
    to_rgb=True))
"""


def raw_images(num, seed):
    """What the demo's test pipeline gives the model: uint8 BGR images
    (num, 3, 56, 56)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(
        0, 256, (num, 3, 56, 56), generator=generator, dtype=torch.uint8
    )


def random_demo_model(config):
    """The config's model with random weights and the BatchNorm statistics
    of random images, so that its scores spread over (0, 1) instead of
    sitting at 0, 0.5 or 1 where any export would agree."""
    torch.manual_seed(0)
    init_default_scope('mmpretrain')
    model = MODELS.build(Config.fromfile(str(config)).model)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None  # a plain average over the batches
    model.train()
    with torch.no_grad():
        for seed in range(3):
            data = model.data_preprocessor(
                dict(inputs=list(raw_images(16, seed))), False
            )
            model(data['inputs'], mode='tensor')
    return model.eval()


def save_as_runner_does(model, path):
    """A checkpoint with what the Runner saves for testing: meta (with the
    dataset's classes), weights and the message hub's log buffers, in
    SPMLRunner's plain format."""
    hub = MessageHub.get_instance('test_export_onnx')
    hub.update_scalar('train/loss', 0.5)
    save_checkpoint(
        plain_checkpoint(
            dict(
                meta=dict(
                    epoch=1, iter=1, dataset_meta=dict(classes=DIGIT_CLASSES)
                ),
                state_dict=weights_to_cpu(model.state_dict()),
                message_hub=hub.state_dict(),
            )
        ),
        str(path),
    )


def pytorch_scores(model, images):
    with torch.no_grad():
        samples = model.test_step(dict(inputs=list(images)))
    return torch.stack([s.pred_score for s in samples]).numpy()


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """(model, .onnx file, the tool's output): the tool run once on a work
    dir holding the model's best-val checkpoint."""
    tmp = tmp_path_factory.mktemp('onnx')
    config = tmp / 'demo_onnx.py'
    config.write_text(CONFIG.format(config=config_file('gr', 'demo')))
    model = random_demo_model(config)
    work_dir = tmp / 'work'
    save_as_runner_does(model, work_dir / 'best_spml_mAP_epoch_1.pth')
    out = tmp / 'demo.onnx'
    log = python(
        TOOL, str(config), str(work_dir), '--out', str(out), '--check'
    )
    return model, out, log


@pytest.fixture(scope='module')
def tool():
    """The tool's logic, :mod:`mmspml.deploy`."""
    return deploy


@pytest.mark.parametrize('batch', [1, 3])
def test_onnxruntime_gives_the_test_step_scores(exported, batch):
    model, out, _ = exported
    images = raw_images(batch, seed=10 + batch)
    expected = pytorch_scores(model, images)
    session = onnxruntime.InferenceSession(
        str(out), providers=['CPUExecutionProvider']
    )
    (scores,) = session.run(['scores'], {'images': images.float().numpy()})
    assert scores.shape == (batch, len(DIGIT_CLASSES))
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-4)
    assert (
        0.02 < expected.min()
        and expected.max() < 0.98
        and expected.std() > 0.05
    ), f'saturated scores {expected}'


def test_the_graph_has_a_dynamic_batch_and_says_what_it_takes(exported):
    _, out, _ = exported
    model = onnx.load(str(out))
    onnx.checker.check_model(model)

    def dims(value):
        return [
            d.dim_param or d.dim_value
            for d in value.type.tensor_type.shape.dim
        ]

    (images,), (scores,) = model.graph.input, model.graph.output
    assert images.name == 'images' and scores.name == 'scores'
    assert dims(images)[1:] == [3, 56, 56] and dims(scores)[1:] == [10]
    assert isinstance(dims(images)[0], str)  # symbolic: any batch size
    assert dims(images)[0] == dims(scores)[0]
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props['classes']) == list(DIGIT_CLASSES)
    assert 'channels BGR (swapped to RGB inside)' in props['input']
    assert '0-255' in props['input']


def test_check_prints_a_small_max_abs_difference(exported):
    _, _, log = exported
    found = re.search(r'max abs difference (\S+)', log)
    assert found, log[-2000:]
    assert float(found.group(1)) <= 1e-4
    assert 'torchscript exporter' in log


def test_the_input_size_comes_from_the_test_pipeline(tool):
    coco = Config.fromfile(
        osp.join(REPO, 'configs', 'gr/gr_resnet50_1xb8_coco2014-448px.py')
    )
    assert tool.input_size_from_config(coco) == (448, 448)
    # The demo does not resize: its mosaics' native size.
    demo = Config.fromfile(config_file('gr', 'demo'))
    assert tool.input_size_from_config(demo) == (56, 56)
    coco.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(320, 240)),  # (w, h)
        dict(type='PackInputs'),
    ]
    assert tool.input_size_from_config(coco) == (240, 320)
    coco.test_dataloader.dataset.pipeline[1] = dict(
        type='ResizeEdge', scale=256, edge='short'
    )
    with pytest.raises(ValueError, match='--input-size H W'):
        tool.input_size_from_config(coco)


def test_a_missing_deploy_package_names_the_install_command(tool, monkeypatch):
    monkeypatch.setitem(sys.modules, 'onnxruntime', None)
    with pytest.raises(
        ImportError, match=re.escape('pip install -r requirements/deploy.txt')
    ):
        tool.require('onnxruntime')


def test_batch_size_fixes_the_batch_dimension(exported, tool, tmp_path):
    """For models whose code turns the batch size into a Python number
    (MMPretrain's Swin), which a dynamic graph gets wrong."""
    model, _, _ = exported
    out = str(tmp_path / 'fixed.onnx')
    module = tool.ImagesToScores(model).eval()
    tool.export_onnx(
        module,
        raw_images(4, seed=0).float(),
        out,
        exporter='torchscript',
        dynamic_batch=False,
    )
    graph = onnx.load(out).graph
    assert [
        d.dim_value for d in graph.input[0].type.tensor_type.shape.dim
    ] == [4, 3, 56, 56]
    assert tool.max_abs_difference(module, out, (56, 56), (4,)) <= 1e-4
