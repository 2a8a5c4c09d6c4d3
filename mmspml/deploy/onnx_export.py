"""Export a multi-label classifier to ONNX: raw images in, sigmoid scores
out.

:class:`~.images_to_scores.ImagesToScores` puts the data preprocessor
(channel swap, ``(x - mean) / std``, padding) and the sigmoid around a
classifier, so that the graph takes what the test pipeline gives the model
and returns ``pred_score`` of ``model.test_step``;
:func:`~.input_size.input_size_from_config` reads the image size from the
test pipeline; :func:`export_onnx` runs a
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
from typing import Optional, Sequence

import numpy as np
import torch

from .images_to_scores import ImagesToScores

INPUT_NAME, OUTPUT_NAME = 'images', 'scores'
# Opset 17: widely read by runtimes; torch 2.14.1's TorchScript exporter
# goes up to 20. The dynamo exporter starts at 18.
DEFAULT_OPSET = dict(torchscript=17, dynamo=18)
# What tools/deployment/export_onnx.py --check tolerates between
# onnxruntime's and PyTorch's scores.
CHECK_ATOL = 1e-4
DEPLOY_HINT = (
    'pip install -r requirements/deploy.txt (or pip install -e .[deploy])'
)
# Only the dynamo exporter needs onnxscript; measured with torch 2.14.1.
ONNXSCRIPT_HINT = (
    'the dynamo exporter needs it: pip install '
    'onnxscript==0.7.2 onnx-ir==1.1.0'
)


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
        raise ImportError(
            f'export_onnx.py needs {name}: {hint} ({err})'
        ) from None


def _export_torchscript(module, images, out, opset, dynamic_batch):
    kwargs = dict(
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        opset_version=opset,
    )
    if dynamic_batch:
        kwargs['dynamic_axes'] = {
            INPUT_NAME: {0: 'batch'},
            OUTPUT_NAME: {0: 'batch'},
        }
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        kwargs['dynamo'] = False
    with warnings.catch_warnings():
        # torch >= 2.9 deprecates the TorchScript exporter, chosen on
        # purpose (it needs no onnxscript).
        warnings.simplefilter('ignore', DeprecationWarning)
        torch.onnx.export(module, (images,), out, **kwargs)


def _export_dynamo(module, images, out, opset, dynamic_batch):
    require('onnxscript', ONNXSCRIPT_HINT)
    batch = torch.export.Dim('batch')
    torch.onnx.export(
        module,
        (images,),
        out,
        dynamo=True,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_shapes={INPUT_NAME: {0: batch}} if dynamic_batch else None,
        opset_version=opset,
        external_data=False,
    )


def export_onnx(
    module: torch.nn.Module,
    images: torch.Tensor,
    out: str,
    opset: Optional[int] = None,
    exporter: str = 'auto',
    dynamic_batch: bool = True,
) -> str:
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
            _export_torchscript(
                module,
                images,
                out,
                opset or DEFAULT_OPSET['torchscript'],
                dynamic_batch,
            )
            return 'torchscript'
        except Exception as err:
            if exporter == 'torchscript':
                raise
            torchscript_error = err
    try:
        _export_dynamo(
            module,
            images,
            out,
            opset or DEFAULT_OPSET['dynamo'],
            dynamic_batch,
        )
    except Exception as err:
        if exporter == 'dynamo':
            raise
        raise RuntimeError(
            'both torch.onnx exporters failed: TorchScript (dynamo=False) '
            f'with {torchscript_error!r}, dynamo with {err!r}'
        ) from err
    return 'dynamo'


def _values(tensor) -> str:
    return '[' + ', '.join(f'{v:g}' for v in tensor.flatten().tolist()) + ']'


def describe_input(
    module: ImagesToScores, size: Sequence[int], batch='N'
) -> str:
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
    norm = (
        f'(x - mean {_values(module.mean)}) / std {_values(module.std)} inside'
        if module.normalize
        else 'no normalisation inside'
    )
    return (
        f'{INPUT_NAME}: float32 ({batch}, 3, {size[0]}, {size[1]}), '
        'raw pixel '
        f'values 0-255, channels {order}; {norm}'
    )


def write_metadata(
    out: str, description: str, classes: Optional[Sequence[str]] = None
):
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


def max_abs_difference(
    module: ImagesToScores,
    out: str,
    size: Sequence[int],
    batches: Sequence[int] = (1, 3),
    seed: int = 0,
) -> float:
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
        images = torch.randint(
            0, 256, (batch, 3, *size), generator=generator, dtype=torch.uint8
        )
        with torch.no_grad():
            samples = module.classifier.test_step(dict(inputs=list(images)))
        expected = torch.stack([s.pred_score for s in samples]).cpu()
        if module.input_order == 'rgb':
            images = images.flip(1)
        scores = session.run(
            [OUTPUT_NAME], {INPUT_NAME: images.float().numpy()}
        )[0]
        diff = max(diff, float(np.abs(scores - expected.numpy()).max()))
    return diff
