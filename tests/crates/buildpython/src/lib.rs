use pyo3::prelude::*;

/// The version of `packaging` the build script imported.
#[pyfunction]
fn packaging_version() -> &'static str {
    env!("BUILD_PACKAGING_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(packaging_version, m)?)
}
