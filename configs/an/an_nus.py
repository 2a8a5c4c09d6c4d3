# Assume-negative baseline: configs/gr_nus.py with the AN loss.
_base_ = ['../gr_nus.py']
model = dict(head=dict(loss=dict(_delete_=True, type='AssumeNegativeLoss')))
