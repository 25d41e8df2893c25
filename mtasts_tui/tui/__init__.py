"""The Textual wizard. Imported only when the wizard opens (see `mtasts_tui.wizard`)."""
