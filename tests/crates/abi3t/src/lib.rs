use pyo3::prelude::*;

/// A counter kept in a Python object of a class the module defines.
#[pyclass]
struct Counter {
    count: u64,
}

#[pymethods]
impl Counter {
    #[new]
    fn new() -> Self {
        Counter { count: 0 }
    }

    /// Adds `by` and returns the new count.
    fn add(&mut self, by: u64) -> u64 {
        self.count += by;
        self.count
    }
}

/// `text` three times.
#[pyfunction]
fn triple(text: &str) -> String {
    text.repeat(3)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Counter>()?;
    m.add_function(wrap_pyfunction!(triple, m)?)?;
    Ok(())
}
