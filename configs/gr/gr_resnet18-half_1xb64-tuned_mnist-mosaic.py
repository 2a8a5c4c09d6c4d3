# GR on the embedded MNIST-mosaic demo with the values tools/tune.py found:
# trial 17 of a 20-trial Optuna study of GR's built-in space (TPE, median
# pruning, seed 0; val mAP 96.07 against 93.29 for the defaults), written
# out in full precision as tools/tune.py wrote them. Reproduce with
#   python tools/tune.py configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py \
#       --n-trials 20 --seed 0 --work-dir work_dirs/tune_demo
# (docs/tuning.md). Only the val split chose these values; the test split
# was not looked at.
_base_ = ['./gr_resnet18-half_1xb64_mnist-mosaic.py']
model = dict(
    head=dict(
        loss=dict(
            beta=[0.0, 1.308715704937152, -2.0, -0.6437894228505561],
            alpha=[
                0.4577697299387067,
                2.0,
                0.6281622014477702,
                0.5575161720449436,
            ],
            q_pos=0.0022245667589305884,
            q_neg=0.8981129898179353,
        )
    )
)
optim_wrapper = dict(optimizer=dict(lr=0.0019157401450621472))
