pub fn base() -> i32 {
    100
}
