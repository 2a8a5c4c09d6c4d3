# Large loss temporary correction (LL-Ct) on NUS-WIDE (ResNet-50, 448 px, batch
# 8, the SPML recipe).
_base_ = [
    '../_base_/models/resnet50_spml.py',
    '../_base_/datasets/nuswide_spml.py',
    '../_base_/schedules/spml_adam_8e.py',
    '../_base_/spml_protocol_runtime.py',
]
model = dict(
    head=dict(
        num_classes={{_base_.num_classes}},
        loss=dict(type='LLCtLoss', delta_rel=0.002),
    )
)
