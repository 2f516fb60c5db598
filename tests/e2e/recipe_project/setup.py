# The extension links libwfrecipe.so.1, a private library that only the
# builder has: its folder comes from WF_RECIPE_PREFIX (include/ and lib/).
import os

from setuptools import Extension, setup

prefix = os.environ.get("WF_RECIPE_PREFIX")
if not prefix:
    raise SystemExit("set WF_RECIPE_PREFIX to the folder holding include/ and lib/ of libwfrecipe")

setup(
    package_dir={"": "src"},
    packages=["recipedemo"],
    ext_modules=[
        Extension(
            "recipedemo._native",
            sources=["src/recipedemo/_native.c"],
            include_dirs=[os.path.join(prefix, "include")],
            library_dirs=[os.path.join(prefix, "lib")],
            libraries=["wfrecipe"],
        )
    ],
)
