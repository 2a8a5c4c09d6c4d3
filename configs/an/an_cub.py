# Assume-negative baseline: configs/gr_cub.py with the AN loss.
_base_ = ['../gr_cub.py']
model = dict(head=dict(loss=dict(_delete_=True, type='AssumeNegativeLoss')))
