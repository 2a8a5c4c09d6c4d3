# EM + asymmetric pseudo-labelling (APL) on PASCAL VOC 2012 (ResNet-50, 448 px,
# batch 8, the SPML recipe).
_base_ = [
    '../_base_/models/resnet50_spml.py',
    '../_base_/datasets/voc2012_spml.py',
    '../_base_/schedules/spml_adam_8e.py',
    '../_base_/spml_protocol_runtime.py',
]
model = dict(
    head=dict(
        num_classes={{_base_.num_classes}},
        loss=dict(type='EMAPLLoss', alpha=0.2, beta=0.02, warmup_epoch=5),
    )
)
