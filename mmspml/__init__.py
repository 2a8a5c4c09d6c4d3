"""mmspml: single-positive multi-label learning for MMPretrain.

Importing the package registers its losses, datasets, transforms, metrics,
hooks, runner and two checkpoint prefixes (``safe://``, ``trusted://``)
into the OpenMMLab registries, and changes nothing else in the process
(configs load it through ``custom_imports``).
"""

import warnings

from .version import __version__

with warnings.catch_warnings():
    # mmcv-lite lacks a compiled op that no classifier uses and says so when
    # mmpretrain is first imported; the filter is restored on exit.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``'
    )
    from . import apis, datasets, engine, evaluation, models  # noqa: F401

__all__ = ['__version__']
