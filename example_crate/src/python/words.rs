//! Word counting, with the GIL released (the thread state detached) while Rust works.

use pyo3::prelude::*;

use crate::wordcount;

/// Counts `word` in `text` on one thread, holding the GIL throughout.
#[pyfunction]
fn count_words_sequential(text: &str, word: &str) -> usize {
    wordcount::count_sequential(text, word)
}

/// Counts `word` in `text` on one thread with the GIL released,
/// so other Python threads run meanwhile.
#[pyfunction]
fn count_words_detached(py: Python<'_>, text: &str, word: &str) -> usize {
    py.detach(|| wordcount::count_sequential(text, word))
}

/// Counts `word` in `text` in parallel over its lines, with the GIL released.
#[pyfunction]
fn count_words_parallel(py: Python<'_>, text: &str, word: &str) -> usize {
    py.detach(|| wordcount::count_parallel(text, word))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(count_words_sequential, m)?)?;
    m.add_function(wrap_pyfunction!(count_words_detached, m)?)?;
    m.add_function(wrap_pyfunction!(count_words_parallel, m)?)?;
    Ok(())
}
