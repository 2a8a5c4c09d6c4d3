# Large loss temporary correction (LL-Ct) on the MNIST-mosaic demo (K = 2.27 is
# the demo's mean number of positives; alpha, beta as VOC, warm-up at half the
# 6 epochs): configs/gr_demo.py with one loss changed.
_base_ = ['./gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LLCtLoss',
            delta_rel=0.002)))
