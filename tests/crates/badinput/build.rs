use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("gen.txt"), "generated\n").unwrap();
    // A link that points out of OUT_DIR, for the check that nothing is copied from there.
    let link = out.join("escape.txt");
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
