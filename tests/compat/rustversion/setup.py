import os

from setuptools import setup

from buildrs import Binding, RustExtension

setup(
    name="rustversion-pkg",
    version="0.1.0",
    packages=["rustversion_pkg"],
    rust_extensions=[
        RustExtension(
            "rustversion_pkg._rv",
            binding=Binding.NoBinding,
            rust_version=os.environ.get("FIXTURE_RUST_VERSION", ">=1.56.0"),
        )
    ],
)
