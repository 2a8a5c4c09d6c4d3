from .protocol_hooks import MetricDropEarlyStoppingHook, TestBestCheckpointHook
from .spml_loss_hook import SPMLLossHook

__all__ = [
    'SPMLLossHook', 'MetricDropEarlyStoppingHook', 'TestBestCheckpointHook'
]
