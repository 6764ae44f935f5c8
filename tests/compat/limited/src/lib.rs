use pyo3::prelude::*;

#[pymodule]
fn _limited(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)
}

/// The Python version the module runs on.
#[pyfunction]
fn version(py: Python<'_>) -> String {
    let v = py.version_info();
    format!("{}.{}", v.major, v.minor)
}
