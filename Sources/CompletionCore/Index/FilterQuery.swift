import Foundation

/// Why a filter line could not be read.
public struct FilterQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

/// The filter line typed after `f`: space-separated terms, all of which must hold.
///
/// - `model:NAME`, `fp:NAME` (or `fingerprint:`), `finish:REASON` (`finish:none` for a missing one)
/// - `kind:completion`, `kind:chat`, `kind:message`, `kind:response`, `kind:gemini`, `kind:converse`, `kind:cohere`, `kind:error`, `kind:invalid`
/// - `tokens:RANGE` (total), `prompt:RANGE`, `completion:RANGE`, with RANGE `N`, `A..B`, `>N`, `<N`, `A..`, `..B`
/// - `audit:` (or `audit:any`) usage that does not add up; `audit:total|logprobs|stream|cached|reasoning|negative|fractional`
///   one way of it (decodes each record, like a text search)
/// - `cost:RANGE` in dollars (`cost:>0.01`, `cost:0.001..0.01`), priced from the summary; no price never matches
/// - `after:TIME`, `before:TIME` with TIME `2024-05-01`, `2024-05-01T12:00` (in the zone the list shows,
///   passed as `timeZone`), `2024-05-01T12:00Z` or `…+02:00` (the zone named), or seconds since the epoch
/// - `-TERM` negates a term; any other word is a regular expression over the texts (several words are
///   matched as one pattern, spaces included); `text:PATTERN` says so explicitly.
public enum FilterQuery {
    /// - Parameters:
    ///   - line: The terms typed.
    ///   - timeZone: The zone of times typed without one: the zone the records list shows them in.
    public static func parse(_ line: String, timeZone: TimeZone = TimeZone(secondsFromGMT: 0) ?? .current) throws(FilterQueryError) -> RecordFilter? {
        var terms: [RecordFilter] = []
        var words: [String] = []
        for raw in line.split(separator: " ", omittingEmptySubsequences: true) {
            var word = String(raw)
            let negated = word.hasPrefix("-") && word.count > 1 && word.contains(":")
            if negated { word.removeFirst() }
            guard let colon = word.firstIndex(of: ":"), let term = try term(String(word[..<colon]).lowercased(), String(word[word.index(after: colon)...]), timeZone: timeZone) else {
                words.append(String(raw))
                continue
            }
            terms.append(negated ? .not(term) : term)
        }
        if !words.isEmpty {
            let pattern = words.joined(separator: " ")
            do {
                terms.append(.text(try TextQuery(pattern, isRegex: true, caseInsensitive: SmartCase.ignoresCase(pattern))))
            } catch {
                throw FilterQueryError(description: "not a valid regular expression: \(VisibleText.escape(pattern, .singleLine))")
            }
        }
        return all(terms)
    }

    /// The filter that requires every one of `terms`: nil for none, the term itself for one.
    public static func all(_ terms: [RecordFilter]) -> RecordFilter? {
        switch terms.count {
        case 0: return nil
        case 1: return terms[0]
        default: return .all(terms)
        }
    }

    /// A `key:value` term, or nil when the key is not a filter key (the word is then text to look for).
    static func term(_ key: String, _ value: String, timeZone: TimeZone) throws(FilterQueryError) -> RecordFilter? {
        func optional(_ v: String) -> String? { v == "none" || v.isEmpty ? nil : v }
        switch key {
        case "model": return .model(optional(value))
        case "fp", "fingerprint", "system_fingerprint": return .fingerprint(optional(value))
        case "finish", "finish_reason": return .finishReason(optional(value))
        case "kind":
            switch value.lowercased() {
            case "completion", "text", "text_completion": return .kind(.textCompletion)
            case "chat", "chat.completion": return .kind(.chatCompletion)
            case "error", "errors": return .kind(.error)
            case "invalid", "unreadable": return .kind(.invalid)
            case "cut": return .kind(.cut)
            case "message", "anthropic": return .kind(.message)
            case "response", "responses": return .kind(.response)
            case "generate_content", "gemini": return .kind(.generateContent)
            case "converse", "bedrock": return .kind(.converse)
            case "cohere", "cohere_chat": return .kind(.cohereChat)
            default: throw FilterQueryError(description: "kind: one of completion, chat, message, response, generate_content, converse, cohere, error, invalid, cut, not '\(VisibleText.escape(value, .singleLine))'")
            }
        case "tokens", "total": return .totalTokens(try range(value, key))
        case "prompt": return .promptTokens(try range(value, key))
        case "completion": return .completionTokens(try range(value, key))
        case "cost": return .cost(try costRange(value, key))
        case "audit":
            if value.isEmpty || value == "any" { return .audit(nil) }
            guard let kind = UsageFinding.Kind(rawValue: value.lowercased()) else {
                let names = UsageFinding.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw FilterQueryError(description: "audit: one of any, \(names), not '\(VisibleText.escape(value, .singleLine))'")
            }
            return .audit(kind)
        case "after": return .created(try time(value, key, timeZone)...Double.greatestFiniteMagnitude)
        case "before": return .created(-Double.greatestFiniteMagnitude...(try time(value, key, timeZone)))
        case "text":
            do { return .text(try TextQuery(value, isRegex: true, caseInsensitive: SmartCase.ignoresCase(value))) } catch {
                throw FilterQueryError(description: "not a valid regular expression: \(VisibleText.escape(value, .singleLine))")
            }
        default: return nil
        }
    }

    static func range(_ v: String, _ key: String) throws(FilterQueryError) -> ClosedRange<Int> {
        let bad = FilterQueryError(description: "\(key): expects N, A..B, >N, <N, A.. or ..B, not '\(VisibleText.escape(v, .singleLine))'")
        if v.hasPrefix(">="), let n = Int(v.dropFirst(2)) { return n...Int.max }
        if v.hasPrefix("<="), let n = Int(v.dropFirst(2)) { return Int.min...n }
        if v.hasPrefix(">"), let n = Int(v.dropFirst()), n < Int.max { return (n + 1)...Int.max }
        if v.hasPrefix("<"), let n = Int(v.dropFirst()), n > Int.min { return Int.min...(n - 1) }
        if let n = Int(v) { return n...n }
        if let dots = v.range(of: "..") {
            let a = v[..<dots.lowerBound], b = v[dots.upperBound...]
            let lo = a.isEmpty ? Int.min : Int(a), hi = b.isEmpty ? Int.max : Int(b)
            if let lo, let hi, lo <= hi { return lo...hi }
        }
        throw bad
    }

    /// A range of amounts in the table's currency: `0.01`, `0.001..0.01`, `>0.5`, `<$1`, `..0.02` (a `$` is
    /// allowed before a number); `>` and `<` are strict.
    static func costRange(_ v: String, _ key: String) throws(FilterQueryError) -> ClosedRange<Double> {
        let bad = FilterQueryError(description: "\(key): expects an amount like 0.01, A..B, >N, <N, A.. or ..B, not '\(VisibleText.escape(v, .singleLine))'")
        func amount<S: StringProtocol>(_ s: S) -> Double? {
            var t = String(s)
            if t.hasPrefix("$") { t.removeFirst() }
            guard let d = Double(t), d.isFinite else { return nil }
            return d
        }
        let huge = Double.greatestFiniteMagnitude
        if v.hasPrefix(">="), let n = amount(v.dropFirst(2)) { return n...huge }
        if v.hasPrefix("<="), let n = amount(v.dropFirst(2)) { return -huge...n }
        if v.hasPrefix(">"), let n = amount(v.dropFirst()) { return n.nextUp...huge }
        if v.hasPrefix("<"), let n = amount(v.dropFirst()) { return -huge...n.nextDown }
        if let dots = v.range(of: "..") {
            let a = v[..<dots.lowerBound], b = v[dots.upperBound...]
            let lo = a.isEmpty ? -huge : amount(a), hi = b.isEmpty ? huge : amount(b)
            if let lo, let hi, lo <= hi { return lo...hi }
            throw bad
        }
        if let n = amount(v) { return n...n }
        throw bad
    }

    static func time(_ v: String, _ key: String, _ timeZone: TimeZone) throws(FilterQueryError) -> Double {
        if let seconds = Double(v), seconds.isFinite { return seconds }
        let formats = ["yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-ddXXXXX", "yyyy-MM-dd'T'HH:mmXXXXX", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"]
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        for format in formats {
            f.dateFormat = format
            if let d = f.date(from: v) { return d.timeIntervalSince1970 }
        }
        throw FilterQueryError(description: "\(key): expects a date like 2024-05-01 or 2024-05-01T12:00 (in the zone the list shows; end with Z for UTC), or seconds, not '\(VisibleText.escape(v, .singleLine))'")
    }
}
