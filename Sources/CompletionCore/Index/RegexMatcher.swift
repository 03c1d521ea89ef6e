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
    /// One thread's matcher: its own clone of the compiled pattern and room for a text's UTF-16.
    private final class Matcher {
        let regex: OpaquePointer
        var room: UnsafeMutablePointer<UInt16>
        var capacity = 256
        init(_ regex: OpaquePointer) {
            self.regex = regex
            room = .allocate(capacity: capacity)
        }
        deinit {
            swift_uregex_close(regex)
            room.deallocate()
        }

        /// Puts `u` in `room` as UTF-16 and returns its length, or nil where `u` is not well-formed UTF-8
        /// (an overlong form, a surrogate, a stray or missing continuation byte, a value past U+10FFFF): the
        /// caller then repairs it as `String(decoding:as:)` does and comes back with valid UTF-8.
        ///
        /// Decoded here from the bytes: `text.utf16` measured a String's length with breadcrumbs and then
        /// copied it, a tenth of the filter's CPU on the benchmark log; and a text the walk reads from a line
        /// is decoded without being made a String first.
        func load(_ u: UnsafeBufferPointer<UInt8>) -> Int? {
            let n = u.count
            // UTF-16 never takes more units than UTF-8 takes bytes.
            if n > capacity {
                room.deallocate()
                capacity = n
                room = .allocate(capacity: n)
            }
            guard let b = u.baseAddress else { return 0 }
            @inline(__always) func follows(_ c: UInt8) -> Bool { c & 0xC0 == 0x80 }
            var i = 0
            var o = 0
            while i < n {
                let c = b[i]
                if c < 0x80 {
                    room[o] = UInt16(c)
                    i &+= 1
                    o &+= 1
                } else if c < 0xC2 {
                    return nil
                } else if c < 0xE0 {
                    guard i &+ 1 < n, follows(b[i &+ 1]) else { return nil }
                    room[o] = UInt16(c & 0x1F) &<< 6 | UInt16(b[i &+ 1] & 0x3F)
                    i &+= 2
                    o &+= 1
                } else if c < 0xF0 {
                    guard i &+ 2 < n else { return nil }
                    let c1 = b[i &+ 1], c2 = b[i &+ 2]
                    guard follows(c1), follows(c2), c != 0xE0 || c1 >= 0xA0, c != 0xED || c1 < 0xA0 else { return nil }
                    room[o] = UInt16(c & 0x0F) &<< 12 | UInt16(c1 & 0x3F) &<< 6 | UInt16(c2 & 0x3F)
                    i &+= 3
                    o &+= 1
                } else if c < 0xF5 {
                    guard i &+ 3 < n else { return nil }
                    let c1 = b[i &+ 1], c2 = b[i &+ 2], c3 = b[i &+ 3]
                    guard follows(c1), follows(c2), follows(c3), c != 0xF0 || c1 >= 0x90, c != 0xF4 || c1 < 0x90 else {
                        return nil
                    }
                    let scalar = UInt32(c & 0x07) &<< 18 | UInt32(c1 & 0x3F) &<< 12 | UInt32(c2 & 0x3F) &<< 6 | UInt32(c3 & 0x3F)
                    let v = scalar &- 0x10000
                    room[o] = UInt16(truncatingIfNeeded: 0xD800 | (v &>> 10))
                    room[o &+ 1] = UInt16(truncatingIfNeeded: 0xDC00 | (v & 0x3FF))
                    i &+= 4
                    o &+= 2
                } else {
                    return nil
                }
            }
            return o
        }
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
        var copy = text
        return copy.withUTF8 { matches(utf8: $0) }
    }

    /// True when the expression matches somewhere in the text these bytes spell: UTF-8, where bytes that are
    /// not stand for U+FFFD as `String(decoding:as:)` has them (the text is then made a String first).
    func matches(utf8 text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count < Int(Int32.max), let compiled, let matcher = borrow(compiled) else {
            return fallback(String(decoding: text, as: UTF8.self))
        }
        defer { giveBack(matcher) }
        if let count = matcher.load(text) {
            return find(matcher, count) ?? fallback(String(decoding: text, as: UTF8.self))
        }
        var repaired = String(decoding: text, as: UTF8.self)
        return repaired.withUTF8 { u in matcher.load(u).flatMap { find(matcher, $0) } } ?? fallback(repaired)
    }

    /// Runs the matcher over the `count` units in its room: nil where ICU refuses the text.
    private func find(_ matcher: Matcher, _ count: Int) -> Bool? {
        var status = U_ZERO_ERROR
        swift_uregex_setText(matcher.regex, matcher.room, Int32(count), &status)
        guard status.rawValue <= U_ZERO_ERROR.rawValue else { return nil }
        let hit = swift_uregex_findNext(matcher.regex, &status) != 0
        // A text of megabytes leaves no room of that size behind.
        if matcher.capacity > 1 << 20 {
            var reset = U_ZERO_ERROR
            swift_uregex_setText(matcher.regex, matcher.room, 0, &reset)
            matcher.room.deallocate()
            matcher.capacity = 256
            matcher.room = .allocate(capacity: matcher.capacity)
        }
        return hit && status.rawValue <= U_ZERO_ERROR.rawValue
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

    /// True when the expression matches somewhere in the text these bytes spell (see the Linux variant).
    func matches(utf8 text: UnsafeBufferPointer<UInt8>) -> Bool { fallback(String(decoding: text, as: UTF8.self)) }
    #endif

    private func fallback(_ text: String) -> Bool {
        expression.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }
}
