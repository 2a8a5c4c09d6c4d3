"""The name mmspml 0.1 configs used for buffer averaging."""

import warnings

from mmengine.hooks import SyncBuffersHook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class SPMLSyncBuffersHook(SyncBuffersHook):
    """Deprecated: MMEngine's :class:`~mmengine.hooks.SyncBuffersHook`.

    mmspml 0.1 kept the losses' per-sample state in buffers and needed a
    hook that averaged every buffer but those. The state is now the losses'
    extra state, which no hook averages, so MMEngine's own hook does the
    job; this name stays for one release so that old configs build
    (``CHANGELOG.md``).
    """

    def __init__(self) -> None:
        warnings.warn(
            'SPMLSyncBuffersHook is deprecated: use dict(type='
            "'SyncBuffersHook') (mmspml's default runtime does).",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__()
