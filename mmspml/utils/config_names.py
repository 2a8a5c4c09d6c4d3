"""Config files renamed in 0.2, when the configs took MMPretrain's model-zoo
layout (one folder per method, ``<algo>_<backbone>_<gpus>xb<batch>_<data>``
names): the old names keep working, with a warning, until 0.3."""

import os.path as osp
import re
import warnings
from typing import Dict

from mmengine.config import Config

# Old path -> new path, both relative to the repository root.
RENAMED_CONFIGS = {
    'configs/an/an_coco.py': 'configs/an/an_resnet50_1xb8_coco2014-448px.py',
    'configs/an/an_cub.py': 'configs/an/an_resnet50_1xb8_cub-attr-448px.py',
    'configs/an/an_demo.py': 'configs/an/an_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/an/an_nus.py': 'configs/an/an_resnet50_1xb8_nuswide-448px.py',
    'configs/an/an_voc.py': 'configs/an/an_resnet50_1xb8_voc2012-448px.py',
    'configs/anls/anls_coco.py': 'configs/anls/anls_resnet50_1xb8_coco2014-448px.py',
    'configs/anls/anls_cub.py': 'configs/anls/anls_resnet50_1xb8_cub-attr-448px.py',
    'configs/anls/anls_demo.py': 'configs/anls/anls_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/anls/anls_nus.py': 'configs/anls/anls_resnet50_1xb8_nuswide-448px.py',
    'configs/anls/anls_voc.py': 'configs/anls/anls_resnet50_1xb8_voc2012-448px.py',
    'configs/backbones/gr_convnext-tiny_coco.py': 'configs/gr/gr_convnext-tiny_1xb8_coco2014-448px.py',
    'configs/backbones/gr_efficientnet-b0_coco.py': 'configs/gr/gr_efficientnet-b0_1xb8_coco2014-448px.py',
    'configs/backbones/gr_mobilenet-v3-large_coco.py': 'configs/gr/gr_mobilenet-v3-large_1xb8_coco2014-448px.py',
    'configs/backbones/gr_regnetx-1.6gf_coco.py': 'configs/gr/gr_regnetx-1.6gf_1xb8_coco2014-448px.py',
    'configs/backbones/gr_swin-tiny_coco.py': 'configs/gr/gr_swin-tiny_1xb8_coco2014-448px.py',
    'configs/backbones/gr_vit-base-p16_coco.py': 'configs/gr/gr_vit-base-p16_1xb8_coco2014-448px.py',
    'configs/em/em_coco.py': 'configs/em/em_resnet50_1xb8_coco2014-448px.py',
    'configs/em/em_cub.py': 'configs/em/em_resnet50_1xb8_cub-attr-448px.py',
    'configs/em/em_demo.py': 'configs/em/em_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/em/em_nus.py': 'configs/em/em_resnet50_1xb8_nuswide-448px.py',
    'configs/em/em_voc.py': 'configs/em/em_resnet50_1xb8_voc2012-448px.py',
    'configs/emapl/emapl_coco.py': 'configs/emapl/emapl_resnet50_1xb8_coco2014-448px.py',
    'configs/emapl/emapl_cub.py': 'configs/emapl/emapl_resnet50_1xb8_cub-attr-448px.py',
    'configs/emapl/emapl_demo.py': 'configs/emapl/emapl_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/emapl/emapl_nus.py': 'configs/emapl/emapl_resnet50_1xb8_nuswide-448px.py',
    'configs/emapl/emapl_voc.py': 'configs/emapl/emapl_resnet50_1xb8_voc2012-448px.py',
    'configs/epr/epr_coco.py': 'configs/epr/epr_resnet50_1xb8_coco2014-448px.py',
    'configs/epr/epr_cub.py': 'configs/epr/epr_resnet50_1xb8_cub-attr-448px.py',
    'configs/epr/epr_demo.py': 'configs/epr/epr_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/epr/epr_nus.py': 'configs/epr/epr_resnet50_1xb8_nuswide-448px.py',
    'configs/epr/epr_voc.py': 'configs/epr/epr_resnet50_1xb8_voc2012-448px.py',
    'configs/full/full_coco.py': 'configs/full/full_resnet50_1xb8_coco2014-448px.py',
    'configs/full/full_cub.py': 'configs/full/full_resnet50_1xb8_cub-attr-448px.py',
    'configs/full/full_demo.py': 'configs/full/full_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/full/full_nus.py': 'configs/full/full_resnet50_1xb8_nuswide-448px.py',
    'configs/full/full_voc.py': 'configs/full/full_resnet50_1xb8_voc2012-448px.py',
    'configs/gr_coco.py': 'configs/gr/gr_resnet50_1xb8_coco2014-448px.py',
    'configs/gr_coco_fast.py': 'configs/gr/gr_resnet50_1xb32-bf16_coco2014-448px.py',
    'configs/gr_cub.py': 'configs/gr/gr_resnet50_1xb8_cub-attr-448px.py',
    'configs/gr_cub_fast.py': 'configs/gr/gr_resnet50_1xb32-bf16_cub-attr-448px.py',
    'configs/gr_demo.py': 'configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/gr_demo_fast.py': 'configs/gr/gr_resnet18-half_1xb128-bf16_mnist-mosaic.py',
    'configs/gr_nus.py': 'configs/gr/gr_resnet50_1xb8_nuswide-448px.py',
    'configs/gr_nus_fast.py': 'configs/gr/gr_resnet50_1xb32-bf16_nuswide-448px.py',
    'configs/gr_voc.py': 'configs/gr/gr_resnet50_1xb8_voc2012-448px.py',
    'configs/gr_voc_fast.py': 'configs/gr/gr_resnet50_1xb32-bf16_voc2012-448px.py',
    'configs/hill/hill_coco.py': 'configs/hill/hill_resnet50_1xb8_coco2014-448px.py',
    'configs/hill/hill_cub.py': 'configs/hill/hill_resnet50_1xb8_cub-attr-448px.py',
    'configs/hill/hill_demo.py': 'configs/hill/hill_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/hill/hill_nus.py': 'configs/hill/hill_resnet50_1xb8_nuswide-448px.py',
    'configs/hill/hill_voc.py': 'configs/hill/hill_resnet50_1xb8_voc2012-448px.py',
    'configs/llcp/llcp_coco.py': 'configs/llcp/llcp_resnet50_1xb8_coco2014-448px.py',
    'configs/llcp/llcp_cub.py': 'configs/llcp/llcp_resnet50_1xb8_cub-attr-448px.py',
    'configs/llcp/llcp_demo.py': 'configs/llcp/llcp_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/llcp/llcp_nus.py': 'configs/llcp/llcp_resnet50_1xb8_nuswide-448px.py',
    'configs/llcp/llcp_voc.py': 'configs/llcp/llcp_resnet50_1xb8_voc2012-448px.py',
    'configs/llct/llct_coco.py': 'configs/llct/llct_resnet50_1xb8_coco2014-448px.py',
    'configs/llct/llct_cub.py': 'configs/llct/llct_resnet50_1xb8_cub-attr-448px.py',
    'configs/llct/llct_demo.py': 'configs/llct/llct_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/llct/llct_nus.py': 'configs/llct/llct_resnet50_1xb8_nuswide-448px.py',
    'configs/llct/llct_voc.py': 'configs/llct/llct_resnet50_1xb8_voc2012-448px.py',
    'configs/llr/llr_coco.py': 'configs/llr/llr_resnet50_1xb8_coco2014-448px.py',
    'configs/llr/llr_cub.py': 'configs/llr/llr_resnet50_1xb8_cub-attr-448px.py',
    'configs/llr/llr_demo.py': 'configs/llr/llr_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/llr/llr_nus.py': 'configs/llr/llr_resnet50_1xb8_nuswide-448px.py',
    'configs/llr/llr_voc.py': 'configs/llr/llr_resnet50_1xb8_voc2012-448px.py',
    'configs/role/role_coco.py': 'configs/role/role_resnet50_1xb8_coco2014-448px.py',
    'configs/role/role_cub.py': 'configs/role/role_resnet50_1xb8_cub-attr-448px.py',
    'configs/role/role_demo.py': 'configs/role/role_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/role/role_nus.py': 'configs/role/role_resnet50_1xb8_nuswide-448px.py',
    'configs/role/role_voc.py': 'configs/role/role_resnet50_1xb8_voc2012-448px.py',
    'configs/splc/splc_coco.py': 'configs/splc/splc_resnet50_1xb8_coco2014-448px.py',
    'configs/splc/splc_cub.py': 'configs/splc/splc_resnet50_1xb8_cub-attr-448px.py',
    'configs/splc/splc_demo.py': 'configs/splc/splc_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/splc/splc_nus.py': 'configs/splc/splc_resnet50_1xb8_nuswide-448px.py',
    'configs/splc/splc_voc.py': 'configs/splc/splc_resnet50_1xb8_voc2012-448px.py',
    'configs/wan/wan_coco.py': 'configs/wan/wan_resnet50_1xb8_coco2014-448px.py',
    'configs/wan/wan_cub.py': 'configs/wan/wan_resnet50_1xb8_cub-attr-448px.py',
    'configs/wan/wan_demo.py': 'configs/wan/wan_resnet18-half_1xb64_mnist-mosaic.py',
    'configs/wan/wan_nus.py': 'configs/wan/wan_resnet50_1xb8_nuswide-448px.py',
    'configs/wan/wan_voc.py': 'configs/wan/wan_resnet50_1xb8_voc2012-448px.py',
}


# <algo>_<backbone>_<gpus>xb<batch>[-<variant>]_<dataset>, as MMPretrain
# names its configs (gr_resnet50_1xb32-bf16_coco2014-448px).
CONFIG_NAME = re.compile(
    r'(?P<algo>[^_]+)_(?P<backbone>[^_]+)_'
    r'(?P<gpus>\d+)xb(?P<batch>\d+)(?:-(?P<variant>[^_]+))?'
    r'_(?P<dataset>.+)'
)


def parse_config_name(name: str) -> Dict[str, str]:
    """The parts of a config name (a path, a file name or its stem).

    Args:
        name (str): E.g. ``configs/gr/gr_resnet50_1xb32-bf16_voc2012-448px.py``.

    Returns:
        dict: ``algo``, ``backbone``, ``gpus``, ``batch``, ``variant`` (''
        when there is none) and ``dataset``; for a name of another form
        (``gr_voc``, ``my_config``) ``algo`` is the part before the last
        ``_``, ``dataset`` the part after it, the rest ''.
    """
    stem = osp.splitext(osp.basename(str(name)))[0]
    match = CONFIG_NAME.fullmatch(stem)
    if match:
        return {k: v or '' for k, v in match.groupdict().items()}
    algo, _, dataset = stem.rpartition('_')
    return dict(
        algo=algo or stem,
        backbone='',
        gpus='',
        batch='',
        variant='',
        dataset=dataset if algo else '',
    )


def resolve_renamed_config(path: str) -> str:
    """``path``, or the new name of a config renamed in 0.2 (with a
    ``FutureWarning`` that names both).

    Args:
        path (str): A config file path, as the user gave it.

    Returns:
        str: ``path`` when it exists or is not an old name; else the path of
        the renamed file (the old name's folder prefix kept, so
        ``/repo/configs/gr_coco.py`` gives
        ``/repo/configs/gr/gr_resnet50_1xb8_coco2014-448px.py``).
    """
    if osp.exists(path):
        return path
    norm = osp.normpath(path)
    for old, new in RENAMED_CONFIGS.items():
        if norm == old or norm.endswith('/' + old):
            renamed = norm[: len(norm) - len(old)] + new
            if osp.isfile(renamed):
                warnings.warn(
                    f'{path} was renamed in mmspml 0.2 to {renamed}; the '
                    'old name works until 0.3 (CHANGELOG.md lists every '
                    'rename).',
                    FutureWarning,
                    stacklevel=2,
                )
                return renamed
    return path


def load_config(path: str) -> Config:
    """``Config.fromfile`` of ``path`` after :func:`resolve_renamed_config`.

    Args:
        path (str): A config file path.

    Returns:
        Config: The config.
    """
    return Config.fromfile(resolve_renamed_config(str(path)))
