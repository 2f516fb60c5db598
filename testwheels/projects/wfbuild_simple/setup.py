from setuptools import Extension, setup

setup(
    package_dir={"": "src"},
    packages=["wfbsimple"],
    ext_modules=[Extension("wfbsimple._ext", sources=["src/wfbsimple/_ext.c"])],
)
