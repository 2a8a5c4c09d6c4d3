"""Export a multi-label classifier to ONNX: raw images in, sigmoid scores
out.

:class:`ImagesToScores` puts the data preprocessor (channel swap,
``(x - mean) / std``, padding) and the sigmoid around a classifier, so that
the graph takes what the test pipeline gives the model and returns
``pred_score`` of ``model.test_step``; :func:`input_size_from_config` reads
the image size from the test pipeline; :func:`export_onnx` runs a
``torch.onnx`` exporter; :func:`write_metadata` checks the file and stores
what it takes; :func:`max_abs_difference` compares onnxruntime with
PyTorch. ``tools/deployment/export_onnx.py`` is the command line for all of
it; docs/deployment.md has the details and the measured agreement.

``onnx``, ``onnxruntime`` and ``onnxscript`` are optional
(``requirements/deploy.txt``): they are imported by the functions that need
them, so ``import mmspml`` does not.
"""
import inspect
import json
import warnings
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.models.utils import ClsDataPreprocessor

from mmspml.utils import test_dataset_config

INPUT_NAME, OUTPUT_NAME = 'images', 'scores'
# Opset 17: widely read by runtimes; torch 2.14.1's TorchScript exporter
# goes up to 20. The dynamo exporter starts at 18.
DEFAULT_OPSET = dict(torchscript=17, dynamo=18)
# What tools/deployment/export_onnx.py --check tolerates between
# onnxruntime's and PyTorch's scores.
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


def require(name: str, hint: str = DEPLOY_HINT):
    """Import the optional deploy package ``name`` or say how to install
    it.

    Args:
        name (str): ``'onnx'``, ``'onnxruntime'`` or ``'onnxscript'``.
        hint (str): How to install it. Defaults to ``DEPLOY_HINT``.

    Returns:
        module: The imported package.

    Raises:
        ImportError: ``name`` is not installed; the message holds ``hint``.
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


def _height_width(size) -> Tuple[int, int]:
    """mmcv's ``scale`` / ``crop_size``: an int or ``(w, h)``."""
    if isinstance(size, int):
        return size, size
    return int(size[1]), int(size[0])


def input_size_from_config(cfg) -> Tuple[int, int]:
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
        ValueError: The size cannot be read from the config; give it
            yourself (``--input-size`` of the tool).
    """
    dataset = test_dataset_config(cfg)
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

    Raises:
        TypeError: The classifier has another data preprocessor or a head
            that is not a ``MultiLabelClsHead``.
        ValueError: ``input_order`` is neither ``'bgr'`` nor ``'rgb'``.
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
        """Sigmoid scores (N, num_classes) of raw images (N, 3, H, W),
        float pixel values 0-255 in ``input_order``."""
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


def export_onnx(module: torch.nn.Module,
                images: torch.Tensor,
                out: str,
                opset: Optional[int] = None,
                exporter: str = 'auto',
                dynamic_batch: bool = True) -> str:
    """Export ``module`` applied to ``images`` to ``out``.

    The graph's input is named ``images`` and its output ``scores``.

    Args:
        module (nn.Module): The module, in eval mode, usually an
            :class:`ImagesToScores`.
        images (Tensor): An example input; with a dynamic batch, give more
            than one image so that the exporter does not take the batch
            size for a constant.
        out (str): The .onnx file to write.
        opset (int, optional): ONNX opset; defaults to ``DEFAULT_OPSET``
            of the exporter used.
        exporter (str): ``'torchscript'`` (``dynamo=False``),
            ``'dynamo'`` or ``'auto'``: TorchScript, and dynamo only when
            the TorchScript exporter fails. Defaults to ``'auto'``.
        dynamic_batch (bool): A dynamic batch dimension; False fixes it to
            the batch size of ``images``. Defaults to True.

    Returns:
        str: The exporter that wrote ``out``, ``'torchscript'`` or
        ``'dynamo'``.

    Raises:
        ImportError: The dynamo exporter is needed and onnxscript is not
            installed (the message says how to install it).
        RuntimeError: With ``exporter='auto'``, both exporters failed.
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


def describe_input(module: ImagesToScores,
                   size: Sequence[int],
                   batch='N') -> str:
    """What the exported graph expects as ``images``, in words.

    Args:
        module (ImagesToScores): What was exported.
        size (tuple[int, int]): Image height and width.
        batch (int | str): The batch dimension, a size or ``'N'`` when it
            is dynamic. Defaults to ``'N'``.

    Returns:
        str: E.g. ``images: float32 (N, 3, 56, 56), raw pixel values
        0-255, channels BGR (swapped to RGB inside); (x - mean [...]) /
        std [...] inside``.
    """
    order = module.input_order.upper()
    if module.swap_channels:
        order += f' (swapped to {order[::-1]} inside)'
    norm = (f'(x - mean {_values(module.mean)}) / std {_values(module.std)} '
            'inside' if module.normalize else 'no normalisation inside')
    return (f'{INPUT_NAME}: float32 ({batch}, 3, {size[0]}, {size[1]}), '
            'raw pixel '
            f'values 0-255, channels {order}; {norm}')


def write_metadata(out: str,
                   description: str,
                   classes: Optional[Sequence[str]] = None):
    """Check ``out`` with ``onnx.checker`` and store the input description
    and the class names (when known) in its metadata_props.

    Args:
        out (str): The .onnx file; it is rewritten.
        description (str): What the graph takes (:func:`describe_input`),
            stored as ``input``.
        classes (Sequence[str], optional): The class names, stored as
            ``classes`` (a JSON list). Defaults to None: not stored.

    Returns:
        onnx.ModelProto: The model as saved.

    Raises:
        ImportError: onnx is not installed (the message says how to
            install it).
    """
    onnx = require('onnx')
    model = onnx.load(out)
    onnx.checker.check_model(model)
    props = dict(input=description)
    if classes:
        props['classes'] = json.dumps(list(classes))
    onnx.helper.set_model_props(model, props)
    onnx.save(model, out)
    return model


def max_abs_difference(module: ImagesToScores,
                       out: str,
                       size: Sequence[int],
                       batches: Sequence[int] = (1, 3),
                       seed: int = 0) -> float:
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
        float: The largest absolute difference of a score (compare it with
        ``CHECK_ATOL``).

    Raises:
        ImportError: onnxruntime is not installed (the message says how to
            install it).
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
