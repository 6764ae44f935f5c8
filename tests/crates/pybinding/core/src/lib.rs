/// The decimal digits of `value`, written by itoa.
pub fn digits(value: u64) -> usize {
    let mut buffer = itoa::Buffer::new();
    buffer.format(value).len()
}
