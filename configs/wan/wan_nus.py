# Weak assume negative (WAN) on NUS-WIDE: configs/gr_nus.py with one loss
# changed.
_base_ = ['../gr_nus.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='WeakAssumeNegativeLoss')))
