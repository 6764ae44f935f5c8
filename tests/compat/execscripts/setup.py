from setuptools import setup

from buildrs import Binding, RustExtension

setup(
    name="exec-pkg",
    version="0.1.0",
    packages=["exec_pkg"],
    rust_extensions=[
        RustExtension(
            {"hello": "exec_pkg.hello", "hello-two": "exec_pkg.hello_two"},
            binding=Binding.Exec,
            script=True,
        )
    ],
)
