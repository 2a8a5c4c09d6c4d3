# Entropy maximisation (EM) on the MNIST-mosaic demo, alpha as VOC (0.2):
# configs/gr_demo.py with one loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EntropyMaximizationLoss',
            alpha=0.2)))
