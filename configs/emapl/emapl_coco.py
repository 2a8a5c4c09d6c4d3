# EM + asymmetric pseudo-labelling (APL) on MS-COCO 2014: configs/gr_coco.py
# with one loss changed.
_base_ = ['../gr_coco.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EMAPLLoss',
            alpha=0.1,
            beta=0.9,
            warmup_epoch=5)))
