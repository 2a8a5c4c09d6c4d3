# Weak assume negative (WAN) on MS-COCO 2014 (ResNet-50, 448 px, batch 8, the
# SPML recipe).
_base_ = [
    '../_base_/models/resnet50_spml.py',
    '../_base_/datasets/coco2014_spml.py',
    '../_base_/schedules/spml_adam_8e.py',
    '../_base_/spml_protocol_runtime.py',
]
model = dict(
    head=dict(
        num_classes={{_base_.num_classes}},
        loss=dict(type='WeakAssumeNegativeLoss'),
    )
)
