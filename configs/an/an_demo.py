# Assume-negative baseline on the demo: same data, unannotated = negative.
_base_ = ['../gr_demo.py']
model = dict(head=dict(loss=dict(_delete_=True, type='AssumeNegativeLoss')))
