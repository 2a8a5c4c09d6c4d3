# Fully labelled upper bound on the demo: same rows and split, all positives.
_base_ = ['./an_demo.py']
train_dataloader = dict(dataset=dict(labels='full'))
