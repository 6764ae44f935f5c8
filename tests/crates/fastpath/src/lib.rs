#[no_mangle]
pub extern "C" fn answer() -> i32 {
    let offset: i32 = env!("FASTPATH_OFFSET_VALUE").parse().unwrap();
    let bonus = if cfg!(feature = "plus-one") { 1 } else { 0 };
    40 + offset + bonus
}
