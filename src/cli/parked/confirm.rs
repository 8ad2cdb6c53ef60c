//! Asking the operator before a bulk change: the question on stderr, the answer from stdin.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::bail;

/// Ask `question` ("Continue? [y/N]") unless `yes`; anything but y/yes (end of input included)
/// is an error saying that nothing changed.
pub(crate) async fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    let answer = ask(question).await?;
    if !matches!(answer.as_deref(), Some("y" | "yes")) {
        bail!("aborted: nothing changed");
    }
    Ok(())
}

/// Ask a question on stderr and read one line from stdin: `None` at end of input, otherwise
/// the answer trimmed and lowercased.
pub(crate) async fn ask(question: &str) -> anyhow::Result<Option<String>> {
    let question = question.to_owned();
    // Reading stdin blocks: keep it off the runtime's worker threads.
    let line = tokio::task::spawn_blocking(move || -> std::io::Result<Option<String>> {
        let mut stderr = std::io::stderr().lock();
        write!(stderr, "{question} ")?;
        stderr.flush()?;
        let mut line = String::new();
        let n = std::io::stdin().lock().read_line(&mut line)?;
        if n == 0 {
            // No newline was typed: end the prompt's line.
            writeln!(stderr)?;
            return Ok(None);
        }
        Ok(Some(line))
    })
    .await??;
    Ok(line.map(|l| l.trim().to_lowercase()))
}

/// Whether a person is at the keyboard (stdin and stderr are terminals).
pub(crate) fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
