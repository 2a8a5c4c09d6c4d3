# Large loss permanent correction (LL-Cp, 0.1% of the entries per batch) on
# the MNIST-mosaic demo: configs/gr_demo.py with one loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LLCpLoss',
            delta_rel=0.001)))
