"""A package whose Rust module is not named after its cargo library."""
