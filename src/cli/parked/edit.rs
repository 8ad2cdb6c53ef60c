//! `salvage parked edit ID`: the payload, pretty-printed, in `$EDITOR` (or taken from a file),
//! checked as JSON before anything is sent, then saved with the version read so that a
//! concurrent edit is refused rather than overwritten.

use std::path::Path;

use anyhow::{Context as _, anyhow, bail};
use tempfile::NamedTempFile;
use tonic::Code;

use super::{
    args::EditArgs,
    client::Ctx,
    confirm::{ask, interactive},
    json, jsontext, show,
};
use salvage_rules::exact::JsonError;

use crate::{parking::actions::is_json_content_type, proto::v1 as pb};

/// The new payload and, when it came from the editor, the file it was written in.
struct Edited {
    text: String,
    file: Option<NamedTempFile>,
}

/// `salvage parked edit ID [--payload-file F] [--comment C]`.
pub(crate) async fn edit(ctx: &Ctx, args: EditArgs) -> anyhow::Result<()> {
    // Masked values stay masked in the editor; the server keeps what a mask left in place hides.
    let current = show::get(ctx, &args.id, false).await?;
    let version = current.summary.as_ref().map_or(0, |s| s.version);
    // JSON (by content type, or a payload that is JSON) is checked before sending, as the
    // server checks it for a JSON content type; anything else goes byte for byte.
    let json =
        is_json_content_type(&current.content_type) || jsontext::pretty(&current.payload).is_some();
    let edited = match &args.payload_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            if json {
                check_json(&text).map_err(|e| anyhow!("{}: {e}; nothing sent", path.display()))?;
            }
            Edited { text, file: None }
        }
        None => match in_editor(&current.payload, json).await? {
            Some(edited) => edited,
            None => return unchanged(ctx, &args.id),
        },
    };
    let payload = if json {
        jsontext::compact(&edited.text).into_bytes()
    } else {
        edited.text.clone().into_bytes()
    };
    let before = jsontext::pretty(&current.payload).map(|p| jsontext::compact(&p).into_bytes());
    if payload == current.payload || before.as_ref() == Some(&payload) {
        return unchanged(ctx, &args.id);
    }
    let req = pb::EditParkedRequest {
        tracking_id: args.id.clone(),
        expected_version: version,
        payload: Some(payload),
        headers: Default::default(),
        replace_headers: false,
        comment: args.comment.unwrap_or_default(),
    };
    let record = match ctx.client().edit_parked(ctx.req(req)).await {
        Ok(resp) => resp.into_inner(),
        Err(status) if status.code() == Code::Aborted => {
            let kept = edited
                .file
                .and_then(|f| f.keep().ok())
                .map(|(_, path)| {
                    format!(
                        " Your text is kept in {} (pass it with --payload-file).",
                        path.display()
                    )
                })
                .unwrap_or_default();
            bail!(
                "someone else edited message {id} first (it is no longer version {version}); \
                 nothing was changed. Re-run `salvage parked edit {id}` to edit the new \
                 version.{kept}",
                id = args.id
            );
        }
        Err(status) => return Err(ctx.fail(status)),
    };
    if ctx.json {
        json::print(&json::message(&record));
    } else {
        let new_version = record.summary.as_ref().map_or(0, |s| s.version);
        println!(
            "Edited {id}: version {version} → {new_version}. Send it back with `salvage parked \
             resubmit {id}`.",
            id = args.id
        );
    }
    Ok(())
}

fn unchanged(ctx: &Ctx, id: &str) -> anyhow::Result<()> {
    if ctx.json {
        json::print(&serde_json::json!({ "tracking_id": id, "changed": false }));
    } else {
        println!("No change to {id}: nothing sent.");
    }
    Ok(())
}

/// Open the payload in the editor until it is valid JSON (or the operator gives up). `None`:
/// the text came back unchanged.
async fn in_editor(payload: &[u8], json: bool) -> anyhow::Result<Option<Edited>> {
    let original =
        jsontext::pretty(payload).unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned());
    let file = tempfile::Builder::new()
        .prefix("salvage-edit-")
        .suffix(".json")
        .tempfile()
        .context("creating a temporary file for the editor")?;
    std::fs::write(file.path(), format!("{original}\n"))
        .context("writing the payload for the editor")?;
    loop {
        run_editor(file.path()).await?;
        let text =
            std::fs::read_to_string(file.path()).context("reading the edited payload back")?;
        if text.trim_end() == original.trim_end() {
            return Ok(None);
        }
        let checked = if json { check_json(&text) } else { Ok(()) };
        match checked {
            Ok(()) => {
                return Ok(Some(Edited {
                    text,
                    file: Some(file),
                }));
            }
            Err(e) if interactive() => {
                eprintln!("error: {e}");
                let again = ask("Re-open the editor? [Y/n]").await?;
                if !matches!(again.as_deref(), Some("" | "y" | "yes")) {
                    bail!("{e}; nothing sent");
                }
            }
            Err(e) => bail!("{e}; nothing sent"),
        }
    }
}

/// Run `$EDITOR` (`vi` when unset) on the file, through `sh` so that an editor with arguments
/// (`code --wait`) works.
async fn run_editor(path: &Path) -> anyhow::Result<()> {
    let editor = std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned());
    // Ctrl-C typed in the editor reaches this process too (same process group); it must not
    // kill us and leave the editor orphaned on the terminal, so handle (ignore) it, as git does.
    #[cfg(unix)]
    let _sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .await
        .with_context(|| format!("starting the editor `{editor}`"))?;
    if !status.success() {
        bail!("the editor `{editor}` exited with {status}; nothing sent");
    }
    Ok(())
}

/// Ok if the text is JSON the rules can read (as the server checks it); otherwise where it is
/// not, or what makes it ambiguous.
fn check_json(text: &str) -> Result<(), String> {
    match salvage_rules::exact::parse(text.as_bytes()) {
        Ok(_) => Ok(()),
        Err(JsonError::Invalid(_)) => {
            let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) else {
                return Err("the payload is not valid JSON".to_owned());
            };
            let full = e.to_string();
            let at = format!(" at line {} column {}", e.line(), e.column());
            let what = full.strip_suffix(&at).unwrap_or(&full);
            Err(format!(
                "the payload is not valid JSON: line {}, column {}: {what}",
                e.line(),
                e.column()
            ))
        }
        Err(e) => Err(format!("the payload {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_says_where() {
        let err = check_json("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(
            err,
            "the payload is not valid JSON: line 3, column 7: expected `:`"
        );
        assert!(check_json("{\"a\": [1, 2]}\n").is_ok());
        assert_eq!(
            check_json(r#"{"a": {"b": 1, "b": 2}}"#).unwrap_err(),
            "the payload is ambiguous: key \"b\" appears more than once in the object at /a"
        );
    }
}
