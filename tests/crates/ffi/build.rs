use std::{env, fs, path::Path};

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    let version = env::var("CARGO_PKG_VERSION").unwrap();
    fs::write(Path::new(&out).join("build_info.txt"), format!("ffi-demo {version}\n")).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
