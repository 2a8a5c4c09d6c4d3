# Self-paced loss correction (SPLC) on MS-COCO 2014: configs/gr_coco.py with
# one loss changed.
_base_ = ['../gr_coco.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='SPLCLoss',
            tau=0.6,
            gamma=2.0)))
