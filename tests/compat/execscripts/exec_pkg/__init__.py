"""Ships two Rust programs inside the package."""
