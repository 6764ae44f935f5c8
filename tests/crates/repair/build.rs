//! Links libgreet, a C library the tests build into a private prefix (GREET_PREFIX),
//! found at run time through the RUNPATH this adds: a library no manylinux system has.
fn main() {
    println!("cargo:rerun-if-env-changed=GREET_PREFIX");
    let prefix = std::env::var("GREET_PREFIX").expect("GREET_PREFIX names libgreet's prefix");
    println!("cargo:rustc-link-search=native={prefix}/lib");
    println!("cargo:rustc-link-lib=dylib=greet");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{prefix}/lib");
}
