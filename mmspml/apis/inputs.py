"""What the predictor accepts as images: files, folders of images, arrays."""
import os
import os.path as osp
from typing import List, Sequence, Union

import numpy as np

# What MMPretrain's folder datasets read, plus .tiff and .webp.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')

InputType = Union[str, os.PathLike, np.ndarray, Sequence]


def list_images(folder: str) -> List[str]:
    """The image files (by extension, :data:`IMG_EXTENSIONS`) directly in
    ``folder``, sorted by name."""
    files = sorted(
        name for name in os.listdir(folder)
        if name.lower().endswith(IMG_EXTENSIONS)
        and osp.isfile(osp.join(folder, name)))
    if not files:
        raise ValueError(
            f'input folder {folder!r} holds no image files (looked for '
            f'{", ".join(IMG_EXTENSIONS)}; sub-folders are not searched)')
    return [osp.join(folder, name) for name in files]


def expand_inputs(inputs: InputType) -> list:
    """The images of ``inputs``: paths of files, the image files of folders
    (:func:`list_images`), arrays (an N x H x W x 3 array gives N images).

    Raises:
        FileNotFoundError: A path does not exist (named in the message).
        ValueError: A folder holds no image files, or an array has a shape
            that is not an image.
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
                    'of images or arrays')
        elif isinstance(item, np.ndarray):
            if item.ndim == 4:
                result.extend(item)
            elif item.ndim in (2, 3):
                result.append(item)
            else:
                raise ValueError('an array input must be H x W, H x W x 3 '
                                 f'or N x H x W x 3, got shape {item.shape}')
        else:
            raise TypeError('inputs must be paths, folders, arrays or a list '
                            f'of them, got {type(item).__name__}')
    if not result:
        raise ValueError('no inputs to predict')
    return result
