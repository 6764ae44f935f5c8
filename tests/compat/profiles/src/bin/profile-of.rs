fn main() {
    println!("{}", if cfg!(debug_assertions) { "debug" } else { "optimized" });
}
