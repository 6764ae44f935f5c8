//! A module with the three things stubs have to describe: functions, a class with
//! methods and properties, and an exception. Declared as an inline module, the form
//! pyo3's introspection describes.
use pyo3::prelude::*;

pyo3::create_exception!(_native, ShapeError, pyo3::exceptions::PyValueError, "A rectangle that cannot be.");

#[pymodule]
mod _native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::ShapeError;

    /// Adds two integers.
    #[pyfunction]
    fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// Repeats ``word`` ``times`` times.
    #[pyfunction]
    #[pyo3(signature = (word, times = 2))]
    fn repeat(word: &str, times: usize) -> String {
        word.repeat(times)
    }

    /// A rectangle with a width and a height.
    #[pyclass]
    struct Rectangle {
        width: f64,
        height: f64,
    }

    #[pymethods]
    impl Rectangle {
        #[new]
        fn new(width: f64, height: f64) -> PyResult<Self> {
            if width < 0.0 || height < 0.0 {
                return Err(super::ShapeError::new_err("sides cannot be negative"));
            }
            Ok(Rectangle { width, height })
        }

        /// The area.
        fn area(&self) -> f64 {
            self.width * self.height
        }

        /// A rectangle ``factor`` times as large in each direction.
        fn scaled(&self, factor: f64) -> Rectangle {
            Rectangle { width: self.width * factor, height: self.height * factor }
        }

        #[getter]
        fn width(&self) -> f64 {
            self.width
        }

        #[setter]
        fn set_width(&mut self, value: f64) {
            self.width = value;
        }

        #[getter]
        fn height(&self) -> f64 {
            self.height
        }
    }
}
