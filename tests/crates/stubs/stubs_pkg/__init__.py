"""A package whose Rust module gets generated stubs."""
