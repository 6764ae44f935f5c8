from setuptools import setup

from buildrs import RustExtension

setup(
    name="limited-pkg",
    version="0.1.0",
    packages=["limited_pkg"],
    rust_extensions=[RustExtension("limited_pkg._limited")],
)
