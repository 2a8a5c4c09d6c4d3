"""The image size a model is exported for, read from its config's test
pipeline."""

from typing import Tuple

from mmpretrain.registry import DATASETS

from mmspml.utils import test_dataset_config

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
    RandomCrop=None,
)


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
    not resize gives the native size of its dataset's images: the
    ``NATIVE_SIZE`` (H, W) that a dataset class whose images all have one
    size declares (e.g. :class:`~mmspml.datasets.MNISTMosaicDataset`).

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
        raise ValueError(
            'the config has no test pipeline to read the '
            'image size from; give it with --input-size H W.'
        )
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
            f"the test pipeline's {resizer} gives images of varying size; "
            'give the size to export with --input-size H W.'
        )
    dataset_class = DATASETS.get(_type_name(dataset)) if dataset else None
    native = getattr(dataset_class, 'NATIVE_SIZE', None)
    if native is None:
        raise ValueError(
            'the test pipeline does not resize its images; give the size '
            'the model was trained on with --input-size H W.'
        )
    return native
