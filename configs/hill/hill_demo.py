# Hill loss (lamb 1.5) on the MNIST-mosaic demo: configs/gr_demo.py with one
# loss changed.
_base_ = ['../gr_demo.py']
model = dict(head=dict(loss=dict(_delete_=True, type='HillLoss', lamb=1.5)))
