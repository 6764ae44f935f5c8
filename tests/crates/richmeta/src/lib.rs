//! A C-ABI library loaded with ctypes: the Rust half of a project whose
//! pyproject.toml uses every key of [project].

#[no_mangle]
pub extern "C" fn rich_answer() -> i32 {
    42
}
