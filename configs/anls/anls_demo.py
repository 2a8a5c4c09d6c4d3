# Assume negative with label smoothing (AN-LS, smoothing 0.1) on the
# MNIST-mosaic demo: configs/gr_demo.py with one loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='AssumeNegativeLSLoss',
            smoothing=0.1)))
