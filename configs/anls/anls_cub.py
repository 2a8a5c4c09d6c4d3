# Assume negative with label smoothing (AN-LS) on CUB-200-2011 attributes:
# configs/gr_cub.py with one loss changed.
_base_ = ['../gr_cub.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='AssumeNegativeLSLoss',
            smoothing=0.1)))
