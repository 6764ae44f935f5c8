//! Runs the Python the build was given, as cryptography's build script runs cffi:
//! it must see the packages the project's [build-system] requires.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    let python = std::env::var("PYO3_PYTHON").expect("PYO3_PYTHON is set by the build");
    let probe = "import packaging; print(packaging.__version__)";
    let output = Command::new(&python)
        .args(["-c", probe])
        .output()
        .expect("PYO3_PYTHON runs");
    if !output.status.success() {
        panic!(
            "{python} cannot import packaging: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let version = String::from_utf8(output.stdout).expect("UTF-8");
    println!("cargo:rustc-env=BUILD_PACKAGING_VERSION={}", version.trim());
}
