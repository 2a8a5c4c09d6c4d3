# EM + asymmetric pseudo-labelling (APL) on CUB-200-2011 attributes:
# configs/gr_cub.py with one loss changed.
_base_ = ['../gr_cub.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EMAPLLoss',
            alpha=0.01,
            beta=0.4,
            warmup_epoch=3)))
