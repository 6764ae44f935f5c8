"""A module that needs a shared library of its own."""
