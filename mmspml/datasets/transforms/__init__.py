from .loading import (
    DEFAULT_MAX_PIXELS,
    SPMLLoadImageFromFile,
    check_image_bytes,
    image_file_problem,
)

__all__ = [
    'SPMLLoadImageFromFile',
    'check_image_bytes',
    'image_file_problem',
    'DEFAULT_MAX_PIXELS',
]
