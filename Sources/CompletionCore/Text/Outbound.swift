import Foundation

/// The one way text from outside (response data, key names, file names, server bodies, messages quoting
/// them) leaves completion-tui: secrets registered at start are redacted, and on channels read by a
/// terminal every control character is made visible.
///
/// Standard error lines, standard output, saved files and the inspector's status text all pass through
/// here, so a secret or an escape sequence has no side door.
public enum Outbound {
    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var redaction = SecretRedaction()
        var active = false
    }
    private static let store = Store()

    /// Registers the secrets to redact from everything written from now on (the API key, base URL
    /// passwords). Called once at start by commands that hold secrets.
    public static func register(_ redaction: SecretRedaction) {
        store.lock.withLock {
            for s in redaction.secrets { store.redaction.add(String(decoding: s, as: UTF8.self)) }
            store.active = true
        }
    }

    /// The secrets registered so far.
    public static var redaction: SecretRedaction {
        store.lock.withLock { store.redaction }
    }

    /// True once a command registered secrets: output is then redacted as well as escaped.
    public static var isActive: Bool {
        store.lock.withLock { store.active }
    }

    /// One line for standard error (or a status bar): secrets redacted, then every control character,
    /// line breaks included, shown as a visible symbol, so one message stays one line.
    public static func line(_ text: String) -> String {
        VisibleText.escape(redacted(text), .singleLine)
    }

    /// Text for standard output or a file in a format that escapes its own controls (a report, JSON):
    /// secrets redacted once a command registered any.
    public static func redacted(_ text: String) -> String {
        let (active, redaction) = store.lock.withLock { (store.active, store.redaction) }
        return active ? redaction.redact(text) : text
    }

    /// Bytes for standard output or a file; see `redacted(_:)`.
    public static func redacted(bytes: [UInt8]) -> [UInt8] {
        guard isActive else { return bytes }
        return Array(redacted(String(decoding: bytes, as: UTF8.self)).utf8)
    }
}
