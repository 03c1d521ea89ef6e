import Foundation

#if os(Linux) && canImport(_FoundationICU)
import _FoundationICU
#endif

/// A text query's regular expression, asked only whether it matches somewhere in a text.
///
/// On Linux, `NSRegularExpression` is ICU's `uregex` under Core Foundation: the text is copied to UTF-16 and
/// searched from its start with the whole text as the region. This does the same with the same ICU (the one
/// Foundation links) and keeps one matcher and one UTF-16 buffer per thread at work, instead of bridging the
/// `String` to an `NSString` (whose `getCharacters` walks the String's UTF-16 view with breadcrumbs for
/// every non-ASCII text) and cloning the expression for every call beyond the first thread's. The filter
/// `garden [a-z]+ river` on the 1 GB benchmark log spent about a third of its CPU in that bridging
/// (`perf`, release build); a loop over 29,820 contents of the log took 2.3 µs per text through
/// `NSRegularExpression` and 1.0 µs here.
///
/// Elsewhere, and if ICU refuses a pattern that `NSRegularExpression` accepted, the expression is used as is.
final class RegexMatcher: @unchecked Sendable {
    let expression: NSRegularExpression

    #if os(Linux) && canImport(_FoundationICU)
    /// One thread's matcher: its own clone of the compiled pattern and the text's UTF-16.
    private final class Matcher {
        let regex: OpaquePointer
        var utf16: [UInt16] = []
        init(_ regex: OpaquePointer) { self.regex = regex }
        deinit { swift_uregex_close(regex) }
    }

    /// The compiled pattern, cloned for each matcher (ICU's matchers hold state and are not shared).
    private let compiled: OpaquePointer?
    private let lock = NSLock()
    private var idle: [Matcher] = []

    init(_ expression: NSRegularExpression) {
        self.expression = expression
        let pattern = Array(expression.pattern.utf16)
        var flags: UInt32 = 0
        let options = expression.options
        if options.contains(.caseInsensitive) { flags |= UREGEX_CASE_INSENSITIVE.rawValue }
        if options.contains(.allowCommentsAndWhitespace) { flags |= UREGEX_COMMENTS.rawValue }
        if options.contains(.dotMatchesLineSeparators) { flags |= UREGEX_DOTALL.rawValue }
        if options.contains(.anchorsMatchLines) { flags |= UREGEX_MULTILINE.rawValue }
        if options.contains(.useUnixLineSeparators) { flags |= UREGEX_UNIX_LINES.rawValue }
        if options.contains(.useUnicodeWordBoundaries) { flags |= UREGEX_UWORD.rawValue }
        if options.contains(.ignoreMetacharacters) { flags |= UREGEX_LITERAL.rawValue }
        var status = U_ZERO_ERROR
        let made = pattern.count < Int(Int32.max) ? swift_uregex_open(pattern, Int32(pattern.count), flags, nil, &status) : nil
        if let made, status.rawValue <= U_ZERO_ERROR.rawValue {
            compiled = made
        } else {
            if let made { swift_uregex_close(made) }
            compiled = nil
        }
    }

    deinit {
        idle.removeAll()
        if let compiled { swift_uregex_close(compiled) }
    }

    /// True when the expression matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        guard let compiled, let matcher = borrow(compiled) else { return fallback(text) }
        defer { giveBack(matcher) }
        matcher.utf16.removeAll(keepingCapacity: true)
        matcher.utf16.append(contentsOf: text.utf16)
        guard matcher.utf16.count < Int(Int32.max) else { return fallback(text) }
        var status = U_ZERO_ERROR
        let found = matcher.utf16.withUnsafeBufferPointer { u -> Bool in
            swift_uregex_setText(matcher.regex, u.baseAddress, Int32(u.count), &status)
            guard status.rawValue <= U_ZERO_ERROR.rawValue else { return false }
            let hit = swift_uregex_findNext(matcher.regex, &status) != 0
            // The buffer is not the matcher's to keep between calls.
            var reset = U_ZERO_ERROR
            swift_uregex_setText(matcher.regex, u.baseAddress, 0, &reset)
            return hit && status.rawValue <= U_ZERO_ERROR.rawValue
        }
        // A text of megabytes leaves no buffer of that size behind.
        if matcher.utf16.capacity > 1 << 20 { matcher.utf16 = [] }
        return found
    }

    private func borrow(_ compiled: OpaquePointer) -> Matcher? {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        if let reused { return reused }
        var status = U_ZERO_ERROR
        guard let clone = swift_uregex_clone(compiled, &status), status.rawValue <= U_ZERO_ERROR.rawValue else { return nil }
        return Matcher(clone)
    }

    private func giveBack(_ matcher: Matcher) {
        lock.lock()
        idle.append(matcher)
        lock.unlock()
    }
    #else
    init(_ expression: NSRegularExpression) {
        self.expression = expression
    }

    /// True when the expression matches somewhere in `text`.
    func matches(_ text: String) -> Bool { fallback(text) }
    #endif

    private func fallback(_ text: String) -> Bool {
        expression.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }
}
