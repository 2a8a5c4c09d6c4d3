# Large loss temporary correction (LL-Ct) on MS-COCO 2014: configs/gr_coco.py
# with one loss changed.
_base_ = ['../gr_coco.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LLCtLoss',
            delta_rel=0.002)))
