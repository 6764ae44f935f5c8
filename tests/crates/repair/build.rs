//! Links libgreet, a C library the tests build into a private prefix (GREET_PREFIX):
//! a library no manylinux system, and no Windows, has. This machine's is in
//! `$GREET_PREFIX/lib` and found at run time through the RUNPATH this adds; another
//! target's is in `$GREET_PREFIX/<target>/lib`, with no RUNPATH: only the folder
//! given to cargo here says where it is.
fn main() {
    println!("cargo:rerun-if-env-changed=GREET_PREFIX");
    let prefix = std::env::var("GREET_PREFIX").expect("GREET_PREFIX names libgreet's prefix");
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    if target == std::env::var("HOST").expect("cargo sets HOST") {
        println!("cargo:rustc-link-search=native={prefix}/lib");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{prefix}/lib");
    } else {
        println!("cargo:rustc-link-search=native={prefix}/{target}/lib");
    }
    println!("cargo:rustc-link-lib=dylib=greet");
}
