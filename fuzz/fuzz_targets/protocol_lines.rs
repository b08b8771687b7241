#![no_main]
//! libFuzzer entry for xtask::fuzz::protocol_lines.
libfuzzer_sys::fuzz_target!(|data: &[u8]| xtask::fuzz::protocol_lines(data));
