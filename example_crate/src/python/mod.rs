//! The `example_crate._native` extension module.

use pyo3::prelude::*;

mod bytes;
mod calling;
mod counter;
mod names;
mod objects;
mod words;

/// Formats the sum of two numbers as a string.
#[pyfunction]
fn sum_as_string(a: usize, b: usize) -> PyResult<String> {
    Ok((a + b).to_string())
}

/// Native half of example_crate: the topics of the PyO3 guide, one by one.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sum_as_string, m)?)?;
    words::register(m)?;
    objects::register(m)?;
    names::register(m)?;
    counter::register(m)?;
    calling::register(m)?;
    bytes::register(m)?;
    Ok(())
}
