# Large loss rejection (LL-R, delta_rel 0.2% per epoch) on the MNIST-mosaic
# demo: configs/gr_demo.py with one loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LLRLoss',
            delta_rel=0.002)))
