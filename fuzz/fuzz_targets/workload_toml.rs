#![no_main]
//! libFuzzer entry for xtask::fuzz::workload_toml.
libfuzzer_sys::fuzz_target!(|data: &[u8]| xtask::fuzz::workload_toml(data));
