//! The native part of `{{ cookiecutter.module_name }}`.

use pyo3::prelude::*;

/// Returns a greeting for `name`.
#[pyfunction]
fn greet(name: &str) -> String {
    format!("Hello, {name}, from Rust!")
}

/// A running total of the numbers added to it.
#[pyclass(module = "{{ cookiecutter.module_name }}._native")]
struct Accumulator {
    total: f64,
    count: u64,
}

#[pymethods]
impl Accumulator {
    #[new]
    fn new() -> Self {
        Accumulator { total: 0.0, count: 0 }
    }

    /// Adds `value` and returns the new total.
    fn add(&mut self, value: f64) -> f64 {
        self.total += value;
        self.count += 1;
        self.total
    }

    /// The mean of the values added so far; raises ValueError when there are none.
    fn mean(&self) -> PyResult<f64> {
        if self.count == 0 {
            return Err(pyo3::exceptions::PyValueError::new_err("no values added yet"));
        }
        Ok(self.total / self.count as f64)
    }

    #[getter]
    fn total(&self) -> f64 {
        self.total
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(greet, m)?)?;
    m.add_class::<Accumulator>()?;
    Ok(())
}
