from setuptools import setup

setup(package_dir={"": "src"}, packages=["wfbpure"])
