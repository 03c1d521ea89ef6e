import CompletionCore

/// Runs the interactive inspector on loaded records and returns the exit status.
/// (Replaced by the ncurses inspector.)
func runInteractive(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String]) -> Int32 {
    -1
}
