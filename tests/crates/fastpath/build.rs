fn main() {
    // The value is compiled in, so a change must rebuild the library.
    println!("cargo:rerun-if-env-changed=FASTPATH_OFFSET");
    println!("cargo:rerun-if-changed=build.rs");
    let offset = std::env::var("FASTPATH_OFFSET").unwrap_or_else(|_| "0".into());
    println!("cargo:rustc-env=FASTPATH_OFFSET_VALUE={offset}");
}
