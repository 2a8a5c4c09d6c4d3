# Large loss permanent correction (LL-Cp) on CUB-200-2011 attributes:
# configs/gr_cub.py with one loss changed.
_base_ = ['../gr_cub.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LLCpLoss',
            delta_rel=0.001)))
