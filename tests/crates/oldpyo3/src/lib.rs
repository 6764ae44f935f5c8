use pyo3::prelude::*;

#[pymodule]
fn _native(_py: Python<'_>, _m: &PyModule) -> PyResult<()> {
    Ok(())
}
