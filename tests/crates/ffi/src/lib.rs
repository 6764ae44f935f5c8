//! A C-ABI library with no Python binding crate: Python loads it with ctypes.

#[no_mangle]
pub extern "C" fn ffi_add(a: i64, b: i64) -> i64 {
    a + b
}
