//! Python object types, owned Rust values, and references that outlive the GIL.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

/// Reports what kind of object `obj` is, by casting it to concrete types.
#[pyfunction]
fn describe(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(list) = obj.cast::<PyList>() {
        return Ok(format!("list of {} items", list.len()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        return Ok(format!("dict with {} keys", dict.len()));
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return Ok(format!("tuple of {} items", tuple.len()));
    }
    Ok(format!("other: {}", obj.get_type().name()?))
}

/// Extracts a dict into an owned `HashMap` and totals its values per key prefix.
#[pyfunction]
fn totals_by_prefix(values: HashMap<String, i64>) -> HashMap<String, i64> {
    let mut totals = HashMap::new();
    for (key, value) in values {
        let prefix = key.split('_').next().unwrap_or_default().to_string();
        *totals.entry(prefix).or_insert(0) += value;
    }
    totals
}

/// Extracts a sequence into an owned `Vec`, returns it sorted without duplicates.
#[pyfunction]
fn sorted_unique(mut values: Vec<i64>) -> Vec<i64> {
    values.sort_unstable();
    values.dedup();
    values
}

/// Keeps Python objects alive from Rust, without holding the GIL between calls.
#[pyclass(module = "example_crate._native")]
struct Keeper {
    items: Py<PyList>,
    last: Option<Py<PyAny>>,
}

#[pymethods]
impl Keeper {
    #[new]
    fn new(py: Python<'_>) -> Self {
        Keeper { items: PyList::empty(py).unbind(), last: None }
    }

    /// Stores `obj`; the very same object comes back from `last` and `get`.
    fn keep(&mut self, py: Python<'_>, obj: Py<PyAny>) -> PyResult<()> {
        self.items.bind(py).append(obj.clone_ref(py))?;
        self.last = Some(obj);
        Ok(())
    }

    /// The most recently kept object, or None.
    #[getter]
    fn last(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.last.as_ref().map(|obj| obj.clone_ref(py))
    }

    /// The list holding everything kept (the same list object each time).
    #[getter]
    fn items(&self, py: Python<'_>) -> Py<PyList> {
        self.items.clone_ref(py)
    }

    fn get<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyAny>> {
        self.items.bind(py).get_item(index)
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.items.bind(py).len()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(describe, m)?)?;
    m.add_function(wrap_pyfunction!(totals_by_prefix, m)?)?;
    m.add_function(wrap_pyfunction!(sorted_unique, m)?)?;
    m.add_class::<Keeper>()?;
    Ok(())
}
