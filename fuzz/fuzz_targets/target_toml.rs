#![no_main]
//! libFuzzer entry for xtask::fuzz::target_toml.
libfuzzer_sys::fuzz_target!(|data: &[u8]| xtask::fuzz::target_toml(data));
