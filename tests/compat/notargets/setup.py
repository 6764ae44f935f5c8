from setuptools import setup

from buildrs import RustExtension

extensions: list[RustExtension] = []

setup(
    name="notargets-pkg",
    version="0.1.0",
    packages=["notargets_pkg"],
    rust_extensions=extensions,
)
