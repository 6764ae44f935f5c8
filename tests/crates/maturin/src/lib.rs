use pyo3::prelude::*;

/// Adds two numbers.
#[pyfunction]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The value an edit changes.
#[pyfunction]
fn answer() -> i64 {
    42
}

/// A module laid out as maturin lays out a pure-Rust project.
#[pymodule]
fn mat_demo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(answer, m)?)?;
    Ok(())
}
