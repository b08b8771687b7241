//! `cargo xtask report DIR`: re-renders DIR/index.html from DIR/results.json.

use std::path::Path;

pub fn run(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let results = crate::results::load(dir)?;
    let dir = if dir.is_dir() { dir.to_path_buf() } else { dir.parent().unwrap_or(Path::new(".")).to_path_buf() };
    let index = crate::report::html::write(root, &results, &dir)?;
    println!("{}", index.display());
    Ok(())
}
