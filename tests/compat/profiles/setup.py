from setuptools import setup

from buildrs import Binding, RustBin, RustExtension

setup(
    name="profiles-pkg",
    version="0.1.0",
    packages=["profiles_pkg"],
    rust_extensions=[
        RustExtension(
            "profiles_pkg._answer",
            binding=Binding.NoBinding,
            args=["--profile", "dist"],
        ),
        RustBin("profile-of", args=["--release"]),
    ],
)
