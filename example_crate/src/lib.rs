//! The Rust side of `example_crate`.
//!
//! `wordcount` is plain Rust, shared by the Python module and the `example-wc`
//! command line tool; everything under `python` is the PyO3 binding.

pub mod wordcount;

#[cfg(feature = "python")]
mod python;
