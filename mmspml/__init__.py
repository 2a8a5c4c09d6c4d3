"""mmspml: single-positive multi-label learning for MMPretrain.

Importing the package registers its losses, datasets, metrics and hooks into
MMPretrain's registries (configs load it through ``custom_imports``) and
installs the small compatibility shims of :mod:`mmspml.utils.compat`.
"""
from .version import __version__
from .utils import compat  # noqa: F401  (safe checkpoint types, see there)
from . import apis, datasets, engine, evaluation, models  # noqa: F401,E402

__all__ = ['__version__']
