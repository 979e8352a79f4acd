//! `completions SHELL` and `manpage` come from the clap definitions: every subcommand is in them.
#![allow(clippy::unwrap_used)]

use crate::util::Work;

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    let work = Work::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = work.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["inspect", "init", "--dry-run"] {
            assert!(run.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let run = work.run(&["completions", "tcsh"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("possible values"), "{}", run.stderr);
}

#[test]
fn the_man_page_is_roff_with_the_options() {
    let run = Work::new().run(&["manpage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(".TH ontime-import 1"),
        "{}",
        &run.stdout[..200]
    );
    assert!(run.stdout.contains("dry\\-run"), "no --dry-run in the page");
}
