from setuptools import setup

from buildrs import Binding, RustExtension

setup(
    name="cliopts-pkg",
    version="0.1.0",
    packages=["cliopts_pkg"],
    rust_extensions=[RustExtension("cliopts_pkg._cli", binding=Binding.NoBinding)],
)
