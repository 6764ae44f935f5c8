//! Runtime borrow checking: `&mut self` plus `&mut other` on the same object fails.

use pyo3::prelude::*;

/// A list of names that can absorb another one.
#[pyclass(module = "example_crate._native")]
struct Names {
    names: Vec<String>,
}

#[pymethods]
impl Names {
    #[new]
    #[pyo3(signature = (names = Vec::new()))]
    fn new(names: Vec<String>) -> Self {
        Names { names }
    }

    /// Moves every name of `other` into this list. `names.merge(names)` raises,
    /// because the object would be borrowed mutably twice.
    fn merge(&mut self, other: &mut Names) {
        self.names.append(&mut other.names);
    }

    #[getter]
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    fn __len__(&self) -> usize {
        self.names.len()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Names>()
}
