# Fully labelled upper bound: same rows and split, all positives, BCE.
_base_ = ['./an_nus.py']
train_dataloader = dict(dataset=dict(labels='full'))
