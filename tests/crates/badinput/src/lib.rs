#[no_mangle]
pub extern "C" fn answer() -> i32 {
    5
}
