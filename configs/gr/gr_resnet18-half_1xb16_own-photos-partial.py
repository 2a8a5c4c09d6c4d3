# GR on your own photos with partial labels (docs/own_data.md): set
# data_root, ann_file and num_classes to yours. A small backbone trained from
# scratch, so a CPU can run it; for real accuracy start from ImageNet weights
# (configs/gr/gr_resnet50_1xb8_*.py show how) with the same dataset base.
_base_ = [
    '../_base_/models/resnet18_half.py',
    '../_base_/datasets/own_photos_partial.py',
    '../_base_/schedules/demo_adam.py',
    '../_base_/default_runtime.py',
]
num_classes = 20  # yours: the number of lines of classes.txt
model = dict(head=dict(num_classes=num_classes, loss=dict(type='GRLoss')))
# Keep the checkpoint of the best observed-entry mAP (the val set has no
# full labels, so there is no spml/mAP).
default_hooks = dict(checkpoint=dict(save_best='spml/mAP_observed'))
