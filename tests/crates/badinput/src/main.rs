fn main() {
    println!("bad-tool");
}
