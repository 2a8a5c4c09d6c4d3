"""Load an image file, or say which file cannot be loaded and why."""

import io
import re
import warnings
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmpretrain.registry import TRANSFORMS

# About 100 megapixels: a 10000 x 10000 photo. A small PNG can claim far
# more (30000 x 30000 in 875 KB decodes to 2.5 GiB).
DEFAULT_MAX_PIXELS = 100_000_000


def check_image_bytes(
    data: bytes, filename: str, max_pixels: Optional[int] = DEFAULT_MAX_PIXELS
) -> None:
    """Raise a ``ValueError`` naming ``filename`` when ``data`` is empty,
    when its header claims more than ``max_pixels`` pixels (read before
    anything is decoded), or when its size cannot be read that way (a
    format PIL does not know, or not an image). ``max_pixels=None``: only
    the empty check.

    Args:
        data (bytes): The file's contents.
        filename (str): The file, named in the error.
        max_pixels (int, optional): The most pixels (width x height) the
            image may have; None for no limit. Defaults to
            :data:`DEFAULT_MAX_PIXELS`.

    Raises:
        ValueError: ``data`` is empty, claims more than ``max_pixels``
            pixels, or its size cannot be read from the header.
    """
    if not data:
        raise ValueError(
            f'{filename}: the file is empty (0 bytes), not an image.'
        )
    if max_pixels is None:
        return
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError as err:
        # Over PIL's own limit (twice Image.MAX_IMAGE_PIXELS): it says how
        # many pixels, not the width and height.
        found = re.search(r'\((\d+) pixels\)', str(err))
        pixels = int(found.group(1)) if found else None
        if pixels is not None and pixels <= max_pixels:
            return
        _too_many(filename, pixels, '', max_pixels)
    except Exception:
        # A format PIL does not know (or not an image): its size cannot be
        # read before decoding, and cv2 would decode up to a gigapixel.
        raise ValueError(
            f'{filename}: not an image, or one in a format whose size '
            'cannot be read before decoding (PIL does not know it); convert '
            'it to PNG or JPEG, or set max_pixels=None to decode it '
            'unchecked.'
        ) from None
    if width * height > max_pixels:
        _too_many(
            filename, width * height, f' ({width} x {height})', max_pixels
        )


def _too_many(filename, pixels, size, max_pixels):
    memory = (
        f', about {pixels * 3 / 2**30:.1f} GiB once decoded' if pixels else ''
    )
    raise ValueError(
        f'{filename}: the image has {pixels or "too many"} pixels{size}, '
        f'more than the limit of {max_pixels} (max_pixels{memory}); resize '
        'it, or raise max_pixels of SPMLLoadImageFromFile (--max-pixels of '
        'tools/predict.py).'
    ) from None


def image_file_problem(
    path: str, max_pixels: Optional[int] = DEFAULT_MAX_PIXELS
) -> Optional[str]:
    """Why the image at ``path`` cannot be used (missing, empty, over
    ``max_pixels``, not an image, corrupt or truncated: fully decoded by
    PIL, or by mmcv for formats PIL does not know), or None when it is
    fine.

    Args:
        path (str): The image; a local path or a URI of an MMEngine file
            backend.
        max_pixels (int, optional): The most pixels (width x height) the
            image may have; None for no limit, and then only a format PIL
            does not know is decoded by mmcv (with a limit, its size cannot
            be read and it is a problem). Defaults to
            :data:`DEFAULT_MAX_PIXELS`.

    Returns:
        str | None: The reason, for the log, or None.
    """
    try:
        data = fileio.get(path)
    except FileNotFoundError:
        return 'file not found'
    except Exception as err:
        return f'cannot read the file ({type(err).__name__}: {err})'
    try:
        check_image_bytes(data, path, max_pixels)
    except ValueError as err:
        return str(err).split(': ', 1)[1]
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # a truncated file fails here
        return None
    except UnidentifiedImageError:
        pass  # a format PIL does not know: what the pipeline decodes with
    except Exception as err:
        return f'corrupt or truncated image ({type(err).__name__}: {err})'
    try:
        image = mmcv.imfrombytes(data)
    except Exception as err:
        return f'cannot be decoded ({type(err).__name__}: {err})'
    if image is None:
        return 'not an image (it cannot be decoded)'
    return None


@TRANSFORMS.register_module()
class SPMLLoadImageFromFile(LoadImageFromFile):
    """MMCV's :class:`~mmcv.transforms.LoadImageFromFile` that never
    decodes an oversized image and names the file it cannot load.

    Before decoding, the file's header is read: an empty file or one whose
    header claims more than ``max_pixels`` pixels raises a ``ValueError``
    with the path and the size; a file that does not decode (not an image,
    truncated) raises one with the path, where MMCV's transform raises a
    bare ``AssertionError`` or a cv2 error.

    Args:
        max_pixels (int, optional): The most pixels (width x height) an
            image may have; None for no limit. Defaults to
            :data:`DEFAULT_MAX_PIXELS` (100 megapixels).
        **kwargs: The arguments of ``LoadImageFromFile`` (``to_float32``,
            ``color_type``, ``imdecode_backend``, ``ignore_empty``,
            ``backend_args``).
    """

    def __init__(
        self, max_pixels: Optional[int] = DEFAULT_MAX_PIXELS, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        if max_pixels is not None and (
            not isinstance(max_pixels, int) or max_pixels < 1
        ):
            raise ValueError(
                'SPMLLoadImageFromFile: max_pixels must be a '
                f'positive int or None, got {max_pixels!r}'
            )
        self.max_pixels = max_pixels

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            if self.file_client_args is not None:
                data = fileio.FileClient.infer_client(
                    self.file_client_args, filename
                ).get(filename)
            else:
                data = fileio.get(filename, backend_args=self.backend_args)
            check_image_bytes(data, filename, self.max_pixels)
            try:
                img = mmcv.imfrombytes(
                    data, flag=self.color_type, backend=self.imdecode_backend
                )
            except Exception as err:
                raise ValueError(
                    f'{filename}: cannot be decoded as an image'
                    f' ({type(err).__name__}: {err})'
                ) from None
            if img is None:
                raise ValueError(
                    f'{filename}: not an image, or a truncated '
                    'one (it cannot be decoded).'
                )
        except Exception:
            if self.ignore_empty:
                return None
            raise
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', max_pixels={self.max_pixels})'
