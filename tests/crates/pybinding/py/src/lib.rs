#[no_mangle]
pub extern "C" fn pybind_digits(value: u64) -> u64 {
    pybind_core::digits(value) as u64
}
