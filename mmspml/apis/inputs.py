"""What the predictor takes (image files, folders of images, arrays, each
through the test pipeline) and what it gives back per image."""

import os
import os.path as osp
from typing import Callable, List, Sequence, Tuple, Union

import numpy as np

from mmspml.datasets.transforms import image_file_problem

# What MMPretrain's folder datasets read, plus .tiff and .webp.
IMG_EXTENSIONS = (
    '.jpg',
    '.jpeg',
    '.png',
    '.ppm',
    '.bmp',
    '.pgm',
    '.tif',
    '.tiff',
    '.webp',
)

# The loaders a test pipeline may start with; arrays skip them.
LOADERS = ('LoadImageFromFile', 'SPMLLoadImageFromFile')

InputType = Union[str, os.PathLike, np.ndarray, Sequence]


def list_images(folder: str) -> List[str]:
    """The image files (by extension, :data:`IMG_EXTENSIONS`) directly in
    ``folder``, sorted by name.

    Args:
        folder (str): The folder to list; sub-folders are not searched.

    Returns:
        list[str]: Paths of the image files, joined to ``folder``.

    Raises:
        ValueError: The folder holds no image files.
    """
    files = sorted(
        name
        for name in os.listdir(folder)
        if name.lower().endswith(IMG_EXTENSIONS)
        and osp.isfile(osp.join(folder, name))
    )
    if not files:
        raise ValueError(
            f'input folder {folder!r} holds no image files (looked for '
            f'{", ".join(IMG_EXTENSIONS)}; sub-folders are not searched)'
        )
    return [osp.join(folder, name) for name in files]


def expand_inputs(inputs: InputType) -> list:
    """The images of ``inputs``: paths of files, the image files of folders
    (:func:`list_images`), arrays (an N x H x W x 3 array gives N images).

    Args:
        inputs (str | os.PathLike | np.ndarray | Sequence): One image file,
            folder or array, or a list or tuple of them.

    Returns:
        list: One item per image, in the order given: a path (str) or an
        H x W or H x W x 3 array.

    Raises:
        FileNotFoundError: A path does not exist (named in the message).
        ValueError: A folder holds no image files, an array has a shape
            that is not an image, or there are no inputs at all.
        TypeError: An input is not a path, a folder or an array.
    """
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    result = []
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if osp.isdir(path):
                result.extend(list_images(path))
            elif osp.isfile(path):
                result.append(path)
            else:
                raise FileNotFoundError(
                    f'input {path!r} not found: give image files, folders '
                    'of images or arrays'
                )
        elif isinstance(item, np.ndarray):
            if item.ndim == 4:
                result.extend(item)
            elif item.ndim in (2, 3):
                result.append(item)
            else:
                raise ValueError(
                    'an array input must be H x W, H x W x 3 '
                    f'or N x H x W x 3, got shape {item.shape}'
                )
        else:
            raise TypeError(
                'inputs must be paths, folders, arrays or a list '
                f'of them, got {type(item).__name__}'
            )
    if not result:
        raise ValueError('no inputs to predict')
    return result


def split_test_pipeline(pipeline: list) -> Tuple[Callable, Callable, bool]:
    """The predictor's two pipelines from a config's test pipeline.

    Args:
        pipeline (list[dict]): The test pipeline's transform configs.

    Returns:
        tuple: ``(file_pipeline, array_pipeline, has_loader)``: the whole
        pipeline (for paths), the pipeline without its image loader (for
        arrays, already loaded), and whether it had a loader
        (:data:`LOADERS`).
    """
    from mmpretrain.datasets import remove_transform

    from mmspml.datasets.single_positive import build_pipeline

    has_loader = any(
        isinstance(t, dict) and t.get('type') in LOADERS for t in pipeline
    )
    without = pipeline
    for loader in LOADERS:
        without = remove_transform(without, loader)
    return build_pipeline(pipeline), build_pipeline(without), has_loader


def prepare_input(
    input_, pipeline: Callable, file_pipeline: Callable, has_loader: bool
) -> dict:
    """One input through the test pipeline, as the Runner's test loop
    would give it to the model.

    Args:
        input_ (str | np.ndarray): An image path, or an H x W (grayscale,
            repeated to 3 channels) or H x W x 3 BGR array.
        pipeline (Callable): The pipeline without the loader (arrays).
        file_pipeline (Callable): The whole pipeline (paths).
        has_loader (bool): Whether ``file_pipeline`` loads the image
            itself; if not, the file is checked and read with
            ``mmcv.imread`` first.

    Returns:
        dict: The packed sample (``inputs``, ``data_samples``).

    Raises:
        ValueError: The file is not an image that can be read (named).
    """
    if isinstance(input_, str):
        if has_loader:
            return file_pipeline(dict(img_path=input_))
        problem = image_file_problem(input_)
        if problem is not None:
            raise ValueError(f'{input_}: {problem}')
        import mmcv

        img = mmcv.imread(input_)
        return pipeline(
            dict(
                img=img,
                img_path=input_,
                img_shape=img.shape[:2],
                ori_shape=img.shape[:2],
            )
        )
    img = np.asarray(input_)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return pipeline(
        dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
    )


def prediction_results(preds: list, classes: Sequence[str]) -> List[dict]:
    """What the predictor returns for each image.

    Args:
        preds (list[DataSample]): Predictions with ``pred_score`` and
            ``pred_label`` (the predicted class indices, best first).
        classes (Sequence[str]): The class names.

    Returns:
        list[dict]: Per image ``img_path`` (None for an array), ``scores``
        (class name to score, every class) and ``labels`` (the predicted
        class names, highest score first).
    """
    return [
        dict(
            img_path=pred.get('img_path'),
            scores=dict(zip(classes, pred.pred_score.float().cpu().tolist())),
            labels=[classes[i] for i in pred.pred_label.tolist()],
        )
        for pred in preds
    ]
