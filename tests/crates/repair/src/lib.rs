use std::ffi::CStr;
use std::os::raw::c_char;

use pyo3::prelude::*;

extern "C" {
    fn greet() -> *const c_char;
}

/// What libgreet says.
#[pyfunction]
fn greeting() -> String {
    // SAFETY: greet returns a pointer to a static, NUL-terminated string.
    unsafe { CStr::from_ptr(greet()) }.to_string_lossy().into_owned()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(greeting, m)?)
}
