# EM + asymmetric pseudo-labelling (APL) on NUS-WIDE: configs/gr_nus.py with
# one loss changed.
_base_ = ['../gr_nus.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EMAPLLoss',
            alpha=0.1,
            beta=0.2,
            warmup_epoch=4)))
