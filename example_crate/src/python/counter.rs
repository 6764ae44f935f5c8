//! A pyclass that is safe to share between threads: frozen, with its mutable
//! state behind `Arc<Mutex<...>>` and a boxed `Fn + Send + Sync` callback.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

type Milestones = Arc<Mutex<Vec<u64>>>;

/// A counter many Python threads may increment at once without losing counts.
#[pyclass(frozen, module = "example_crate._native")]
struct SharedCounter {
    count: Arc<Mutex<u64>>,
    milestones: Milestones,
    on_change: Box<dyn Fn(u64) + Send + Sync>,
}

#[pymethods]
impl SharedCounter {
    /// `every`: record a milestone each time the count reaches a multiple of it.
    #[new]
    #[pyo3(signature = (every = 1000))]
    fn new(every: u64) -> Self {
        let milestones: Milestones = Arc::default();
        let sink = Arc::clone(&milestones);
        let on_change = Box::new(move |value: u64| {
            if every > 0 && value % every == 0 {
                sink.lock().expect("milestones lock").push(value);
            }
        });
        SharedCounter { count: Arc::default(), milestones, on_change }
    }

    /// Adds `by`, one step at a time, and returns the new count.
    #[pyo3(signature = (by = 1))]
    fn increment(&self, by: u64) -> u64 {
        let mut count = self.count.lock().expect("counter lock");
        for _ in 0..by {
            *count += 1;
            (self.on_change)(*count);
        }
        *count
    }

    #[getter]
    fn value(&self) -> u64 {
        *self.count.lock().expect("counter lock")
    }

    /// Every milestone reached so far, in order.
    fn milestones(&self) -> Vec<u64> {
        self.milestones.lock().expect("milestones lock").clone()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SharedCounter>()
}
