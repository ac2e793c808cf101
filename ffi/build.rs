//! Generates `include/veriscope.h` with cbindgen when the `header` feature is on.

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=VERISCOPE_WRITE_HEADER");
    #[cfg(feature = "header")]
    generate_header();
}

#[cfg(feature = "header")]
fn generate_header() {
    use std::path::PathBuf;

    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("veriscope.h");
    bindings.write_to_file(&out);
    if std::env::var_os("VERISCOPE_WRITE_HEADER").is_some() {
        bindings.write_to_file(crate_dir.join("../include/veriscope.h"));
    }
}
