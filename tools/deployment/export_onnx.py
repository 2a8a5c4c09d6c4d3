"""Export a trained classifier to ONNX: raw images in, sigmoid scores out.

    python tools/deployment/export_onnx.py configs/gr_demo.py work_dirs/gr_demo
        [--out model.onnx] [--input-size H W] [--input-order bgr|rgb]
        [--batch-size N] [--opset 17] [--device cpu]
        [--exporter auto|torchscript|dynamo]
        [--trust-checkpoint] [--check] [--cfg-options key=value ...]

CHECKPOINT is a .pth file or the work dir of a training run (then its
best-val checkpoint, or the latest one when it has none), as for
``tools/test.py``.

The graph holds the model's data preprocessor, so it takes what the test
pipeline gives the model, as float32:

- ``images``: (N, 3, H, W) float32, pixel values 0-255 (not scaled to 0-1),
  channels BGR, the order in which the test pipeline's ``LoadImageFromFile``
  loads them (``--input-order rgb`` for RGB images); the graph puts them in
  the order the model was trained on (the preprocessor's ``to_rgb``),
  subtracts the preprocessor's mean and divides by its std. H, W: the test
  pipeline's resize (``--input-size`` otherwise). N is dynamic (unless
  ``--batch-size`` fixes it).
- ``scores``: (N, num_classes) float32, the sigmoid of the head's logits,
  i.e. ``pred_score`` of ``model.test_step``.

Details and the measured agreement with PyTorch: docs/deployment.md.
"""
import argparse
import inspect
import json
import os.path as osp
import warnings

import mmspml  # noqa: F401  (registers mmspml and its compatibility shims)
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import CheckpointLoader
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import MODELS

from mmspml.utils import (explain_refused_checkpoint, find_checkpoint,
                          suggest_registered_names, trust_checkpoints)

INPUT_NAME, OUTPUT_NAME = 'images', 'scores'
# Opset 17: widely read by runtimes; torch 2.14.1's TorchScript exporter
# goes up to 20. The dynamo exporter starts at 18.
DEFAULT_OPSET = dict(torchscript=17, dynamo=18)
# What --check tolerates between onnxruntime's and PyTorch's scores.
CHECK_ATOL = 1e-4
# Images of datasets whose test pipeline does not resize: 2 x 2 cells of
# 28 px MNIST digits (make_mnist_mosaics's default grid).
NATIVE_SIZES = dict(MNISTMosaicDataset=(56, 56))
# Transforms that change the image size, with the argument that fixes it
# (an int or mmcv's (w, h)); None: the size they give varies.
RESIZES = dict(
    Resize='scale',
    CenterCrop='crop_size',
    EfficientNetCenterCrop='crop_size',
    Pad='size',
    ResizeEdge=None,
    RandomResize=None,
    RandomChoiceResize=None,
    RandomResizedCrop=None,
    EfficientNetRandomCrop=None,
    RandomCrop=None)
DEPLOY_HINT = ('pip install -r requirements/deploy.txt (or pip install '
               '-e .[deploy])')
# Only the dynamo exporter needs onnxscript; measured with torch 2.14.1.
ONNXSCRIPT_HINT = ('the dynamo exporter needs it: pip install '
                   'onnxscript==0.7.2 onnx-ir==1.1.0')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export a classifier to ONNX (raw images -> sigmoid '
        'scores)')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, or a work dir (its best-val checkpoint)')
    parser.add_argument(
        '--out',
        help='the .onnx file to write (default: the checkpoint\'s name '
        'with .onnx, next to it)')
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='image height and width (default: the size the config\'s '
        'test pipeline resizes to)')
    parser.add_argument(
        '--input-order',
        choices=['bgr', 'rgb'],
        default='bgr',
        help='channel order of the exported input (default: bgr, as the '
        'test pipeline loads images)')
    parser.add_argument(
        '--batch-size',
        type=int,
        metavar='N',
        help='fix the batch dimension to this size (default: dynamic); for '
        'models whose code turns the batch size into a Python number, '
        'such as MMPretrain\'s Swin, which --check then fails')
    parser.add_argument(
        '--opset',
        type=int,
        help='ONNX opset (default: 17 for the TorchScript exporter, 18 for '
        'the dynamo exporter)')
    parser.add_argument(
        '--device', default='cpu', help='device to trace on (default: cpu)')
    parser.add_argument(
        '--exporter',
        choices=['auto', 'torchscript', 'dynamo'],
        default='auto',
        help='torch.onnx exporter; auto: TorchScript (dynamo=False) while '
        'torch has it, else dynamo (needs onnxscript)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load checkpoints with full unpickling (they can run any code: '
        'only for files you trust; see docs/checkpoints.md)')
    parser.add_argument(
        '--check',
        action='store_true',
        help='run onnxruntime on random batches of 1 and 3 images (of '
        '--batch-size) and print the max abs difference from PyTorch\'s '
        'test_step scores; fails above 1e-4')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    return parser.parse_args()


def require(name: str, hint: str = DEPLOY_HINT):
    """Import the optional deploy package ``name`` or say how to install
    it.

    Args:
        name (str): ``'onnx'``, ``'onnxruntime'`` or ``'onnxscript'``.
        hint (str): How to install it. Defaults to ``DEPLOY_HINT``.

    Returns:
        module: The imported package.
    """
    try:
        return __import__(name)
    except ImportError as err:
        raise ImportError(f'export_onnx.py needs {name}: {hint} ({err})') \
            from None


def _type_name(transform: dict) -> str:
    kind = transform.get('type', '')
    kind = getattr(kind, '__name__', kind)  # new-style configs give classes
    return str(kind).split('.')[-1]


def _height_width(size):
    """mmcv's ``scale`` / ``crop_size``: an int or ``(w, h)``."""
    if isinstance(size, int):
        return size, size
    return int(size[1]), int(size[0])


def innermost_test_dataset(cfg) -> dict:
    """The innermost dataset of ``cfg.test_dataloader`` (inside wrappers
    such as :class:`~mmspml.datasets.SinglePositiveDataset`)."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    while 'pipeline' not in dataset and ('dataset' in dataset
                                         or 'datasets' in dataset):
        dataset = dataset.get('dataset') or dataset['datasets'][0]
    return dataset


def input_size_from_config(cfg):
    """The (H, W) the test pipeline resizes images to.

    The last transform of the pipeline that changes the size sets it: a
    ``Resize`` with a fixed ``scale`` and no ``keep_ratio``, a
    ``CenterCrop``, a ``Pad`` to a fixed ``size``. A pipeline that does
    not resize gives the native size of its dataset's images
    (``NATIVE_SIZES``).

    Args:
        cfg (Config): The config.

    Returns:
        tuple[int, int]: Height and width.

    Raises:
        ValueError: The size cannot be read from the config; pass
            ``--input-size``.
    """
    dataset = innermost_test_dataset(cfg)
    pipeline = dataset.get('pipeline') or cfg.get('test_pipeline')
    if not pipeline:
        raise ValueError('the config has no test pipeline to read the '
                         'image size from; give it with --input-size H W.')
    size, resizer = None, None
    for transform in pipeline:
        name = _type_name(transform)
        if name not in RESIZES:
            continue
        resizer, size = name, None
        fixed = transform.get(RESIZES[name]) if RESIZES[name] else None
        if fixed is not None and not transform.get('keep_ratio', False):
            size = _height_width(fixed)
    if size is not None:
        return size
    if resizer is not None:
        raise ValueError(
            f'the test pipeline\'s {resizer} gives images of varying size; '
            'give the size to export with --input-size H W.')
    native = NATIVE_SIZES.get(_type_name(dataset))
    if native is None:
        raise ValueError(
            'the test pipeline does not resize its images; give the size '
            'the model was trained on with --input-size H W.')
    return native


def build_classifier(cfg, checkpoint: str, device: str = 'cpu'):
    """The config's model with the checkpoint's weights, in eval mode.

    Args:
        cfg (Config): The config; its top-level ``data_preprocessor`` is
            used when the model has none, as the Runner does.
        checkpoint (str): A checkpoint file.
        device (str): Where to put the model. Defaults to ``'cpu'``.

    Returns:
        tuple: The model and the checkpoint's ``meta`` dict.
    """
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with suggest_registered_names():
        model = MODELS.build(model_cfg)
    with explain_refused_checkpoint(checkpoint):
        loaded = CheckpointLoader.load_checkpoint(
            checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded)
    state = {
        key[len('module.'):] if key.startswith('module.') else key: value
        for key, value in state.items()
    }
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as err:
        raise ValueError(f'{checkpoint} does not fit the model of the '
                         f'config: {err}') from None
    # A stateful loss's per-sample state is not part of the exported graph.
    missing = [k for k in missing if not k.startswith('head.loss_module.')]
    unexpected = [
        k for k in unexpected if not k.startswith('head.loss_module.')
    ]
    if missing or unexpected:
        raise ValueError(
            f'{checkpoint} does not fit the model of the config: missing '
            f'{missing[:5]}, unexpected {unexpected[:5]} '
            f'({len(missing)} and {len(unexpected)} in all); is it the '
            'config the checkpoint was trained with?')
    meta = loaded.get('meta') or {}
    return model.to(device).eval(), meta


class ImagesToScores(torch.nn.Module):
    """A classifier with its data preprocessing and sigmoid, as one graph.

    ``forward`` computes what ``model.test_step`` gives as ``pred_score``
    for a batch of raw images that all have the same size: the channel swap
    (BGR input and the preprocessor's ``to_rgb``, or RGB input without it),
    ``(x - mean) / std``, padding to ``pad_size_divisor``, the backbone,
    neck and head, and the sigmoid.

    Args:
        classifier (nn.Module): An MMPretrain classifier with a
            ``ClsDataPreprocessor`` and a multi-label head.
        input_order (str): Channel order of the input images, ``'bgr'``
            (as ``LoadImageFromFile`` loads them) or ``'rgb'``. Defaults to
            ``'bgr'``.
    """

    def __init__(self, classifier, input_order: str = 'bgr'):
        super().__init__()
        preprocessor = classifier.data_preprocessor
        if not isinstance(preprocessor, ClsDataPreprocessor):
            raise TypeError(
                'export_onnx.py exports models with a ClsDataPreprocessor; '
                f'this one has {type(preprocessor).__name__}.')
        head = getattr(classifier, 'head', None)
        if not isinstance(head, MultiLabelClsHead):
            raise TypeError(
                'export_onnx.py exports multi-label heads (sigmoid scores); '
                f'the model\'s head is {type(head).__name__}.')
        if input_order not in ('bgr', 'rgb'):
            raise ValueError(f"input_order must be 'bgr' or 'rgb', got "
                             f'{input_order!r}')
        self.classifier = classifier
        self.input_order = input_order
        self.swap_channels = bool(preprocessor.to_rgb) != (input_order
                                                           == 'rgb')
        self.normalize = bool(preprocessor._enable_normalize)
        if self.normalize:
            self.register_buffer('mean', preprocessor.mean.clone().float())
            self.register_buffer('std', preprocessor.std.clone().float())
        self.pad_size_divisor = preprocessor.pad_size_divisor
        self.pad_value = preprocessor.pad_value

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.swap_channels:
            images = images.flip(1)
        if self.normalize:
            images = (images - self.mean) / self.std
        if self.pad_size_divisor > 1:
            h, w = images.shape[-2:]
            pad_h = -h % self.pad_size_divisor
            pad_w = -w % self.pad_size_divisor
            images = F.pad(images, (0, pad_w, 0, pad_h), 'constant',
                           self.pad_value)
        return torch.sigmoid(self.classifier(images, mode='tensor'))


def _export_torchscript(module, images, out, opset, dynamic_batch):
    kwargs = dict(
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        opset_version=opset)
    if dynamic_batch:
        kwargs['dynamic_axes'] = {
            INPUT_NAME: {0: 'batch'},
            OUTPUT_NAME: {0: 'batch'}
        }
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        kwargs['dynamo'] = False
    with warnings.catch_warnings():
        # torch >= 2.9 deprecates the TorchScript exporter, chosen on
        # purpose (it needs no onnxscript).
        warnings.simplefilter('ignore', DeprecationWarning)
        torch.onnx.export(module, (images, ), out, **kwargs)


def _export_dynamo(module, images, out, opset, dynamic_batch):
    require('onnxscript', ONNXSCRIPT_HINT)
    batch = torch.export.Dim('batch')
    torch.onnx.export(
        module, (images, ),
        out,
        dynamo=True,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_shapes={INPUT_NAME: {0: batch}} if dynamic_batch else None,
        opset_version=opset,
        external_data=False)


def export(module, images, out, opset=None, exporter='auto',
           dynamic_batch=True):
    """Export ``module`` applied to ``images`` to ``out``.

    Args:
        module (nn.Module): The module, in eval mode.
        images (Tensor): An example input.
        out (str): The .onnx file.
        opset (int, optional): ONNX opset; defaults to ``DEFAULT_OPSET``
            of the exporter used.
        exporter (str): ``'torchscript'`` (``dynamo=False``),
            ``'dynamo'`` or ``'auto'``: TorchScript, and dynamo only when
            the TorchScript exporter fails. Defaults to ``'auto'``.
        dynamic_batch (bool): A dynamic batch dimension; False fixes it to
            the batch size of ``images``. Defaults to True.

    Returns:
        str: The exporter that wrote ``out``.
    """
    if exporter in ('auto', 'torchscript'):
        try:
            _export_torchscript(module, images, out,
                                opset or DEFAULT_OPSET['torchscript'],
                                dynamic_batch)
            return 'torchscript'
        except Exception as err:
            if exporter == 'torchscript':
                raise
            torchscript_error = err
    try:
        _export_dynamo(module, images, out,
                       opset or DEFAULT_OPSET['dynamo'], dynamic_batch)
    except Exception as err:
        if exporter == 'dynamo':
            raise
        raise RuntimeError(
            'both torch.onnx exporters failed: TorchScript (dynamo=False) '
            f'with {torchscript_error!r}, dynamo with {err!r}') from err
    return 'dynamo'


def _values(tensor) -> str:
    return '[' + ', '.join(f'{v:g}' for v in tensor.flatten().tolist()) + ']'


def describe_input(module, size, batch='N') -> str:
    """What the exported graph expects as ``images``, in words."""
    order = module.input_order.upper()
    if module.swap_channels:
        order += f' (swapped to {order[::-1]} inside)'
    norm = (f'(x - mean {_values(module.mean)}) / std {_values(module.std)} '
            'inside' if module.normalize else 'no normalisation inside')
    return (f'{INPUT_NAME}: float32 ({batch}, 3, {size[0]}, {size[1]}), '
            'raw pixel '
            f'values 0-255, channels {order}; {norm}')


def write_metadata(onnx, out, description, classes=None):
    """Check ``out`` with ``onnx.checker`` and store the input description
    and the class names (when known) in its metadata_props."""
    model = onnx.load(out)
    onnx.checker.check_model(model)
    props = dict(input=description)
    if classes:
        props['classes'] = json.dumps(list(classes))
    onnx.helper.set_model_props(model, props)
    onnx.save(model, out)
    return model


def max_abs_difference(module, out, size, batches=(1, 3), seed=0):
    """onnxruntime's scores against ``test_step``'s ``pred_score`` of the
    classifier inside ``module`` on random batches of raw uint8 images.

    Args:
        module (ImagesToScores): What was exported, in eval mode.
        out (str): The .onnx file.
        size (tuple[int, int]): Image height and width.
        batches (tuple[int]): Sizes of the batches compared (the batch
            dimension is dynamic). Defaults to ``(1, 3)``.
        seed (int): Seed of the images. Defaults to 0.

    Returns:
        float: The largest absolute difference of a score.
    """
    ort = require('onnxruntime')
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    generator = torch.Generator().manual_seed(seed)
    diff = 0.0
    for batch in batches:
        # BGR, as the test pipeline gives them to test_step.
        images = torch.randint(0, 256, (batch, 3, *size),
                               generator=generator, dtype=torch.uint8)
        with torch.no_grad():
            samples = module.classifier.test_step(dict(inputs=list(images)))
        expected = torch.stack([s.pred_score for s in samples]).cpu()
        if module.input_order == 'rgb':
            images = images.flip(1)
        scores = session.run([OUTPUT_NAME],
                             {INPUT_NAME: images.float().numpy()})[0]
        diff = max(diff, float(np.abs(scores - expected.numpy()).max()))
    return diff


def main():
    args = parse_args()
    onnx = require('onnx')
    ort = require('onnxruntime') if args.check else None
    if args.trust_checkpoint:
        trust_checkpoints()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    checkpoint = find_checkpoint(args.checkpoint)
    size = tuple(args.input_size or input_size_from_config(cfg))
    out = args.out or osp.splitext(checkpoint)[0] + '.onnx'

    classifier, meta = build_classifier(cfg, checkpoint, args.device)
    module = ImagesToScores(classifier, args.input_order).eval()
    dynamic = args.batch_size is None
    # Batch 2, not 1: the exporter must not take the batch for a constant.
    images = torch.rand(
        args.batch_size or 2, 3, *size, device=args.device) * 255
    used = export(module, images, out, args.opset, args.exporter, dynamic)
    description = describe_input(module, size,
                                 'N' if dynamic else args.batch_size)
    model = write_metadata(onnx, out, description,
                           (meta.get('dataset_meta') or {}).get('classes'))
    opset = next(o.version for o in model.opset_import
                 if o.domain in ('', 'ai.onnx'))
    batch, num_classes = model.graph.output[0].type.tensor_type.shape.dim
    if dynamic and not batch.dim_param:
        raise RuntimeError(f'the {used} exporter fixed the batch size of '
                           f'{out}; try the other one with --exporter.')
    batch_text = 'N' if dynamic else str(args.batch_size)
    print(f'Exported {checkpoint} to {out} (torch {torch.__version__}, '
          f'{used} exporter, opset {opset}).\n'
          f'  {description}\n'
          f'  {OUTPUT_NAME}: float32 ({batch_text}, {num_classes.dim_value}), '
          'sigmoid scores; ' +
          ('N is dynamic' if dynamic else 'the batch size is fixed'))
    if args.check:
        batches = (1, 3) if dynamic else (args.batch_size, )
        diff = max_abs_difference(module, out, size, batches)
        what = 'random batches of 1 and 3 images' if dynamic else \
            f'a random batch of {args.batch_size} images'
        print(f'--check: onnxruntime {ort.__version__} vs PyTorch '
              f'test_step on {what}: max abs difference {diff:.3g} '
              f'(tolerance {CHECK_ATOL:g})')
        if not diff <= CHECK_ATOL:
            raise SystemExit(f'--check failed: {out} differs from PyTorch '
                             f'by {diff:.3g} > {CHECK_ATOL:g}')


if __name__ == '__main__':
    main()
