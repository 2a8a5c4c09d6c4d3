# Self-paced loss correction (SPLC: tau 0.6, gamma 2, corrections from epoch
# 2) on the MNIST-mosaic demo: configs/gr_demo.py with one loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='SPLCLoss',
            tau=0.6,
            gamma=2.0)))
