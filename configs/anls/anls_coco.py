# Assume negative with label smoothing (AN-LS) on MS-COCO 2014:
# configs/gr_coco.py with one loss changed.
_base_ = ['../gr_coco.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='AssumeNegativeLSLoss',
            smoothing=0.1)))
