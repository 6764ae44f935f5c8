fn main() {
    println!("second binary");
}
