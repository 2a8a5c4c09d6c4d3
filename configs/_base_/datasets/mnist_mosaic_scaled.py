# The demo with digits at random scales (0.5-1.0 of a cell) at random places
# in their cells, so that the size and location label biases differ from the
# uniform draw (docs/label_bias.md). Pick the bias of the single positives
# with --cfg-options train_dataloader.dataset.bias=size
# val_dataloader.dataset.bias=size ('uniform', 'size' or 'location').
_base_ = ['./mnist_mosaic.py']
data_root = 'data/mnist_mosaic_scaled'
scale_range = (0.5, 1.0)
source = dict(data_root=data_root, scale_range=scale_range)
train_dataloader = dict(dataset=dict(bias='uniform', dataset=source))
val_dataloader = dict(dataset=dict(bias='uniform', dataset=source))
test_dataloader = dict(dataset=source)
