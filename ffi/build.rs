//! Sets the shared library's SONAME, and generates `include/veriscope.h`
//! with cbindgen when the `header` feature is on.

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=VERISCOPE_WRITE_HEADER");
    // Programs linked against libveriscope.so record this name, so that an
    // incompatible release can sit beside the one they were built with:
    // libveriscope.so.<major>, or libveriscope.so.0.<minor> before 1.0 (the
    // Cargo semver rule, as cargo-c names it).
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,-soname,libveriscope.so.{}",
            abi_version()
        );
    }
    #[cfg(feature = "header")]
    generate_header();
}

/// `major`, or `0.minor` before 1.0: the part of the version that changes
/// with the ABI.
fn abi_version() -> String {
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    if major == "0" {
        format!("0.{}", env!("CARGO_PKG_VERSION_MINOR"))
    } else {
        major.to_owned()
    }
}

#[cfg(feature = "header")]
fn generate_header() {
    use std::path::PathBuf;

    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    // Compile-time version macros, so C code can check what it builds
    // against (compare with vs_version() for what it runs against).
    config.after_includes = Some(format!(
        "\n#define VERISCOPE_VERSION_MAJOR {}\n#define VERISCOPE_VERSION_MINOR {}\n\
         #define VERISCOPE_VERSION_PATCH {}\n#define VERISCOPE_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION"),
    ));
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
