# default_runtime plus the protocol: stop at a 2-point val mAP drop, and
# test the best-val checkpoint when training ends (docs/protocol.md).
_base_ = ['./default_runtime.py']
custom_hooks = [
    dict(type='MetricDropEarlyStoppingHook', monitor='spml/mAP', max_drop=2.0),
    dict(type='TestBestCheckpointHook'),
]
