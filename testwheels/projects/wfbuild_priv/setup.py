# The extension links libwfbpriv.so.1, a library only the build machine has:
# WFB_PRIV_PREFIX names the folder holding its include/ and lib/.
import os

from setuptools import Extension, setup

prefix = os.environ.get("WFB_PRIV_PREFIX")
if not prefix:
    raise SystemExit("set WFB_PRIV_PREFIX to the folder holding include/wfbpriv.h and lib/libwfbpriv.so")

setup(
    package_dir={"": "src"},
    packages=["wfbpriv"],
    ext_modules=[
        Extension(
            "wfbpriv._ext",
            sources=["src/wfbpriv/_ext.c"],
            include_dirs=[os.path.join(prefix, "include")],
            library_dirs=[os.path.join(prefix, "lib")],
            libraries=["wfbpriv"],
        )
    ],
)
