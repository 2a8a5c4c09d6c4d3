# Assume-negative baseline: configs/gr_voc.py with the AN loss.
_base_ = ['../gr_voc.py']
model = dict(head=dict(loss=dict(_delete_=True, type='AssumeNegativeLoss')))
