"""Install mmspml.

Like every OpenMMLab package, mmspml ships its ``tools/`` and ``configs/``
inside the package as ``mmspml/.mim`` so that ``mim train mmspml CONFIG``
finds them: copied for a regular install, linked for a develop install.
"""

import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('tools', 'configs', 'model-index.yml')


def read_version():
    scope = {}
    with open(osp.join(HERE, 'mmspml', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_requirements(name):
    """The requirement lines of requirements/<name>, following ``-r``."""
    found = []
    with open(osp.join(HERE, 'requirements', name)) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line.startswith('-r '):
                found += read_requirements(line[3:].strip())
            elif line:
                found.append(line)
    return found


def add_mim_extension():
    """Copy (install, wheel) or link (develop) tools/, configs/ and
    model-index.yml (what ``mim search mmspml`` reads) into mmspml/.mim."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif {'install', 'bdist_wheel', 'sdist', 'build'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(HERE, 'mmspml', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(HERE, name), osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isfile(src):
            shutil.copyfile(src, dst)
        else:
            shutil.copytree(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmspml',
        version=read_version(),
        description='Single-positive multi-label learning (GR Loss and '
        'baselines) for MMPretrain',
        long_description=open(osp.join(HERE, 'README.md')).read()
        if osp.isfile(osp.join(HERE, 'README.md'))
        else '',
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        package_data={'mmspml': ['.mim/**/*']},
        python_requires='>=3.10',
        install_requires=read_requirements('runtime.txt'),
        extras_require={
            'tests': read_requirements('tests.txt'),
            'deploy': read_requirements('deploy.txt'),
            'tune': read_requirements('tune.txt'),
            'optional': read_requirements('optional.txt'),
        },
        zip_safe=False,
    )
