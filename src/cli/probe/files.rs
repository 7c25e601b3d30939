//! The probe's files (`requests.jsonl`, `findings.json`, `report.txt`, `tokens.json`, the
//! journal, `--refresh-token-out`): every one readable by its owner only (0600), since they name
//! the demo company and its employee, and the token file holds a live refresh token.

use std::io::Write;

use secrecy::{ExposeSecret, SecretString};

/// Writes `bytes` to `path` readable by its owner only (0600): the probe's files name the
/// demo company, its employee and what Nmbrs answered.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new().create(true).truncate(true).write(true).mode(0o600).open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(bytes)
}

/// Writes the newest refresh token to `path` (0600, through a temporary file and a rename, so a
/// crash never leaves half a token).
pub fn write_secret_file(path: &std::path::Path, token: &SecretString) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new().create(true).truncate(true).write(true).mode(0o600).open(&tmp)?;
    writeln!(f, "{}", token.expose_secret())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
