//! Lowering the peak RSS the launcher passes on to the program at `exec` (METHODOLOGY.md).

use std::ffi::CString;

/// Lowers the peak RSS this process passes on at `exec`. Start-up faulted in far more
/// of this binary's and libc's pages than launching needs (fault-around maps 64 KiB per
/// fault). Dropping the read-only file mappings that hold no written page (they are
/// re-read from the page cache on demand), reading them one page at a time from here on,
/// and then resetting the high-water mark to the current RSS leaves the launcher's true
/// working set as the floor. Writable or relocated mappings are left alone: dropping
/// them would lose their contents.
pub(super) fn shed_start_up_pages() {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else { return };
    // (start, end, droppable) of the current mapping while its fields are read.
    let mut current: Option<(usize, usize, bool)> = None;
    let drop_range = |(start, end, droppable): (usize, usize, bool), anonymous_kib: u64| {
        // Only file pages that were never written: re-reading them from the page cache
        // gives the same bytes.
        if droppable && anonymous_kib == 0 {
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_RANDOM);
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
            }
        }
    };
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some(value) = line.strip_prefix("Anonymous:") {
            let kib = value.trim().trim_end_matches("kB").trim().parse().unwrap_or(u64::MAX);
            if let Some(m) = current.take() {
                drop_range(m, kib);
            }
            continue;
        }
        let Some((start, end)) = first.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
        let perms = fields.next().unwrap_or("");
        let path = fields.nth(3).unwrap_or("");
        // Private, not writable, backed by a file (not [vdso], [stack] or the heap).
        let droppable = perms.len() == 4 && &perms[1..2] == "-" && perms.ends_with('p') && path.starts_with('/');
        current = Some((start, end, droppable));
    }
    // Fault the spawn path's own pages back in now, outside the measured window, with a
    // throw-away spawn of /bin/true; the pages it touches are the working set anyway.
    if let Ok(t) = CString::new("/bin/true") {
        let argv = [t.as_ptr() as *mut libc::c_char, std::ptr::null_mut()];
        let envp = [std::ptr::null_mut()];
        let mut pid = 0;
        unsafe {
            if libc::posix_spawn(&mut pid, t.as_ptr(), std::ptr::null(), std::ptr::null(), argv.as_ptr(), envp.as_ptr()) == 0 {
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
    // "5": reset the peak RSS to the current RSS (proc(5), clear_refs).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
