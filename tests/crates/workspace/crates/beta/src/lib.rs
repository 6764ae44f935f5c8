#[no_mangle]
pub extern "C" fn value() -> i32 {
    shared::base() + 4
}
