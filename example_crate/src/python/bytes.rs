//! Protocols: a sequence of bytes with len(), indexing, + and ==.

use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;

/// An immutable sequence of bytes.
#[pyclass(eq, frozen, module = "example_crate._native")]
#[derive(PartialEq)]
struct ByteSequence {
    elements: Vec<u8>,
}

#[pymethods]
impl ByteSequence {
    #[new]
    fn new(elements: Vec<u8>) -> Self {
        ByteSequence { elements }
    }

    fn __len__(&self) -> usize {
        self.elements.len()
    }

    /// Indexing, negative indexes counting from the end.
    fn __getitem__(&self, index: isize) -> PyResult<u8> {
        let len = self.elements.len() as isize;
        let position = if index < 0 { index + len } else { index };
        if position < 0 || position >= len {
            return Err(PyIndexError::new_err("ByteSequence index out of range"));
        }
        Ok(self.elements[position as usize])
    }

    /// Concatenation: a new sequence.
    fn __add__(&self, other: &ByteSequence) -> ByteSequence {
        let mut elements = self.elements.clone();
        elements.extend_from_slice(&other.elements);
        ByteSequence { elements }
    }

    fn __bytes__(&self) -> Vec<u8> {
        self.elements.clone()
    }

    fn __repr__(&self) -> String {
        format!("ByteSequence({:?})", self.elements)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ByteSequence>()
}
