use pyo3::prelude::*;

/// Greets `name`, reporting the version of the interpreter that runs it.
#[pyfunction]
fn hello(py: Python<'_>, name: &str) -> PyResult<String> {
    let info = py.import("sys")?.getattr("version_info")?;
    let major: u8 = info.getattr("major")?.extract()?;
    let minor: u8 = info.getattr("minor")?.extract()?;
    Ok(format!("hello {name} from Python {major}.{minor}"))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(hello, m)?)?;
    Ok(())
}
