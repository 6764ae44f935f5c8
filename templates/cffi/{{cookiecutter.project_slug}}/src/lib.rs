//! Functions with a C ABI, for ctypes or cffi. No Python crate is involved:
//! the library never touches the interpreter.

use std::slice;

/// Adds two integers.
#[no_mangle]
pub extern "C" fn add(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}

/// The Adler-32 checksum of `len` bytes at `data` (0 bytes when `data` is null).
///
/// # Safety
/// `data` must point to `len` readable bytes, or be null.
#[no_mangle]
pub unsafe extern "C" fn adler32(data: *const u8, len: usize) -> u32 {
    let bytes = if data.is_null() { &[][..] } else { unsafe { slice::from_raw_parts(data, len) } };
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}
