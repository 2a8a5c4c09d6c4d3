# Fully labelled upper bound: same rows and split, all positives, BCE.
_base_ = ['../gr_cub.py']
train_dataloader = dict(dataset=dict(labels='full'))
model = dict(head=dict(loss=dict(_delete_=True, type='FullLabelBCELoss')))
