use pyo3::prelude::*;

/// The module Python imports as `libname_pkg.rust`: PyO3 names its init
/// function after this function, not after the cargo library.
#[pymodule]
fn rust(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(triple, m)?)
}

#[pyfunction]
fn triple(x: i64) -> i64 {
    3 * x
}
