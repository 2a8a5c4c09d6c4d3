# Assume-negative baseline: configs/gr_coco.py with the AN loss.
_base_ = ['../gr_coco.py']
model = dict(head=dict(loss=dict(_delete_=True, type='AssumeNegativeLoss')))
