use pyo3::prelude::*;

/// The C library's version the process runs with, read through libc's
/// `gnu_get_libc_version`, which the module links against dynamically.
#[pyfunction]
fn libc_version() -> String {
    extern "C" {
        fn gnu_get_libc_version() -> *const std::os::raw::c_char;
    }
    // SAFETY: glibc returns a pointer to a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) };
    version.to_string_lossy().into_owned()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(libc_version, m)?)?;
    Ok(())
}
