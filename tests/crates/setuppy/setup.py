from setuptools import setup

from buildrs import RustExtension

setup(
    name="setuppy-ext",
    version="0.1.0",
    packages=["setuppy_pkg"],
    rust_extensions=[RustExtension("setuppy_pkg._ext", "Cargo.toml")],
)
