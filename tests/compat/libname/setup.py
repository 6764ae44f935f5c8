from setuptools import setup

from buildrs import RustExtension

setup(
    name="libname-pkg",
    version="0.1.0",
    packages=["libname_pkg"],
    rust_extensions=[RustExtension("libname_pkg.rust", "Cargo.toml")],
    zip_safe=False,
)
