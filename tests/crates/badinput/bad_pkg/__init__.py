"""The base project that tests/test_bad_input.py breaks in many ways."""
