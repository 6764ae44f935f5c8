//! Calling Python from Rust, and errors crossing the boundary both ways.

use std::ffi::CString;
use std::fmt;

use pyo3::create_exception;
use pyo3::exceptions::{PyValueError, PyZeroDivisionError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

create_exception!(
    example_crate._native,
    ParseError,
    PyValueError,
    "A number could not be parsed (raised from Rust's ParseNumberError)."
);

/// Reads `sys.version` through an import.
#[pyfunction]
fn python_version(py: Python<'_>) -> PyResult<String> {
    py.import("sys")?.getattr("version")?.extract()
}

/// Evaluates a Python expression with `x` bound in its locals.
#[pyfunction]
fn evaluate<'py>(py: Python<'py>, expression: &str, x: i64) -> PyResult<Bound<'py, PyAny>> {
    let code = CString::new(expression)
        .map_err(|_| PyValueError::new_err("expression contains a NUL character"))?;
    let locals = PyDict::new(py);
    locals.set_item("x", x)?;
    py.eval(&code, None, Some(&locals))
}

/// Calls `function(value)`; an exception it raises propagates to the caller.
#[pyfunction]
fn apply<'py>(function: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    function.call1((value,))
}

/// Calls `function()`. A ZeroDivisionError it raises is caught and inspected in
/// Rust (reported as a string); any other exception propagates.
#[pyfunction]
fn call_guarded(py: Python<'_>, function: &Bound<'_, PyAny>) -> PyResult<String> {
    match function.call0() {
        Ok(value) => Ok(format!("returned {}", value.repr()?)),
        Err(err) if err.is_instance_of::<PyZeroDivisionError>(py) => {
            Ok(format!("caught ZeroDivisionError: {}", err.value(py)))
        }
        Err(err) => Err(err),
    }
}

/// A Rust error type with its own mapping to a Python exception.
#[derive(Debug)]
enum ParseNumberError {
    Empty,
    Invalid(String),
}

impl fmt::Display for ParseNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseNumberError::Empty => write!(f, "empty input"),
            ParseNumberError::Invalid(text) => write!(f, "not a number: {text:?}"),
        }
    }
}

impl std::error::Error for ParseNumberError {}

impl From<ParseNumberError> for PyErr {
    fn from(err: ParseNumberError) -> PyErr {
        ParseError::new_err(err.to_string())
    }
}

/// Parses a decimal integer; failures raise `ParseError`.
#[pyfunction]
fn parse_number(text: &str) -> Result<i64, ParseNumberError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ParseNumberError::Empty);
    }
    trimmed.parse().map_err(|_| ParseNumberError::Invalid(trimmed.to_string()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(python_version, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(apply, m)?)?;
    m.add_function(wrap_pyfunction!(call_guarded, m)?)?;
    m.add_function(wrap_pyfunction!(parse_number, m)?)?;
    m.add("ParseError", m.py().get_type::<ParseError>())?;
    Ok(())
}
