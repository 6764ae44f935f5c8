use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::prelude::*;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Adds `times` to a counter shared by every thread, one at a time, and returns
/// the counter's value afterwards.
#[pyfunction]
fn bump(py: Python<'_>, times: u64) -> u64 {
    py.detach(|| {
        for _ in 0..times {
            COUNTER.fetch_add(1, Ordering::Relaxed);
        }
    });
    COUNTER.load(Ordering::Relaxed)
}

/// The counter's value.
#[pyfunction]
fn total() -> u64 {
    COUNTER.load(Ordering::Relaxed)
}

#[cfg_attr(feature = "gil-used", pymodule(gil_used = true))]
#[cfg_attr(not(feature = "gil-used"), pymodule(gil_used = false))]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bump, m)?)?;
    m.add_function(wrap_pyfunction!(total, m)?)?;
    Ok(())
}
