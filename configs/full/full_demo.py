# Fully labelled upper bound on the demo: same rows and split, all positives.
_base_ = ['../gr_demo.py']
train_dataloader = dict(dataset=dict(labels='full'))
model = dict(head=dict(loss=dict(_delete_=True, type='FullLabelBCELoss')))
