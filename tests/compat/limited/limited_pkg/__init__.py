"""A module built for the stable ABI because bdist_wheel asks for it."""
