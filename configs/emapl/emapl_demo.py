# EM + asymmetric pseudo-labelling (APL) on the MNIST-mosaic demo: alpha and
# beta as VOC (0.2, 0.02), pseudo-labels from epoch 3 (half of the demo's 6
# epochs): configs/gr_demo.py with one loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EMAPLLoss',
            alpha=0.2,
            beta=0.02,
            warmup_epoch=3)))
