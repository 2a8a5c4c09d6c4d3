# Assume negative with label smoothing (AN-LS) on NUS-WIDE: configs/gr_nus.py
# with one loss changed.
_base_ = ['../gr_nus.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='AssumeNegativeLSLoss',
            smoothing=0.1)))
