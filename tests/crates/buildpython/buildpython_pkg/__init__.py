"""A package whose build script runs the build's Python."""
