import Foundation

/// The members whose values the index keeps: `created`, `choices` (and each choice and delta), `usage`.
extension SummaryScanner {
    /// `created`: the seconds `Timestamp(parsing:)` gives. Plain integers below 10^12 are seconds as they are;
    /// anything else goes through `Timestamp` itself.
    func created(_ p: inout Int, _ facts: inout LineFacts) -> Bool {
        let c = b[p]
        if c == 0x22 {
            guard let s = string(&p) else { return false }
            facts.created = Timestamp(parsing: .string(text(s)))?.seconds ?? .nan
            return true
        }
        if Self.startsNumber(c) {
            guard let n = numberValue(&p, maxDigits: 12) else { return false }
            switch n {
            case .plain(let v): facts.created = Double(v)
            case .text(let text): facts.created = Timestamp(parsing: .number(JSONNumber(text: text)))?.seconds ?? .nan
            }
            return true
        }
        // null, booleans, objects and arrays name no instant.
        facts.created = .nan
        return skipValue(&p)
    }

    /// `choices`: counts object elements, collects their finish reasons, and notes chunk shapes and the kind
    /// the first element implies.
    mutating func choices(_ p: inout Int, _ facts: inout LineFacts, _ elements: inout Int, _ kind: inout NameKind, _ anyChunk: inout Bool,
                                  _ interner: inout ByteInterner, _ reasons: inout [UInt32]) -> Bool {
        guard var more = openArray(&p) else { return false }
        var count = 0
        var position = 0
        while more {
            if b[p] == 0x7B {
                guard choice(&p, first: position == 0, &kind, &anyChunk, &interner, &reasons) else { return false }
                count &+= 1
            } else {
                guard skipValue(&p) else { return false }
            }
            position &+= 1
            elements = position
            guard let next = nextElement(&p) else { return false }
            more = next
        }
        facts.choiceCount = count
        return true
    }

    mutating func choice(_ p: inout Int, first: Bool, _ kind: inout NameKind, _ anyChunk: inout Bool,
                                 _ interner: inout ByteInterner, _ reasons: inout [UInt32]) -> Bool {
        p &+= 1  // {
        skipSpace(&p)
        guard p < end else { return false }
        var seen: UInt32 = 0
        // Finish reason per spelling: 0 absent, 1 null, 2 string, 3 other type.
        var snake: (state: UInt8, id: UInt32, empty: Bool) = (0, 0, false)
        var camel: (state: UInt8, id: UInt32, empty: Bool) = (0, 0, false)
        var hasDelta = false
        if b[p] == 0x7D {
            p &+= 1
        } else {
            while true {
                guard let k = key(&p) else { return false }
                var bit: UInt32 = 0
                switch k.count {
                case 13 where isKey(k, "finish_reason"), 12 where isKey(k, "finishReason"):
                    let isSnake = k.count == 13
                    bit = isSnake ? 1 : 2
                    var r: (state: UInt8, id: UInt32, empty: Bool) = (3, 0, false)
                    let c = b[p]
                    if c == 0x22 {
                        guard let s = string(&p) else { return false }
                        r = (2, intern(s, &interner, hint: &reasonHint), s.end == s.start)
                    } else if c == 0x6E {
                        guard literal(&p, "null") else { return false }
                        r = (1, 0, false)
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                    if isSnake { snake = r } else { camel = r }
                case 5 where isKey(k, "delta"):
                    bit = 4
                    hasDelta = true
                    if first, b[p] == 0x7B {
                        guard delta(&p, &kind) else { return false }
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 7 where isKey(k, "message"):
                    bit = 8
                    if first { kind = .chat }
                    guard skipValue(&p) else { return false }
                default:
                    guard skipValue(&p) else { return false }
                }
                if bit != 0 {
                    guard seen & bit == 0 else { return false }
                    seen |= bit
                }
                guard let more = nextMember(&p) else { return false }
                if !more { break }
            }
        }
        let reason = snake.state != 0 ? snake : camel
        addReason(reason.state == 2 ? reason.id : 0, &reasons)
        if hasDelta || reason.state == 0 || reason.state == 1 || (reason.state == 2 && reason.empty) { anyChunk = true }
        return true
    }

    /// A first choice's `delta` object: chat when it has `role` or `tool_calls`.
    func delta(_ p: inout Int, _ kind: inout NameKind) -> Bool {
        p &+= 1  // {
        skipSpace(&p)
        guard p < end else { return false }
        if b[p] == 0x7D {
            p &+= 1
            return true
        }
        while true {
            guard let k = key(&p) else { return false }
            if isKey(k, "role") || isKey(k, "tool_calls") { kind = .chat }
            guard skipValue(&p) else { return false }
            guard let more = nextMember(&p) else { return false }
            if !more { return true }
        }
    }

    /// `usage`: the three counts, as `RecordDecoder.count` reads them (integral numbers, numeric strings).
    func usage(_ p: inout Int, _ facts: inout LineFacts) -> Bool {
        p &+= 1  // {
        skipSpace(&p)
        guard p < end else { return false }
        if b[p] == 0x7D {
            p &+= 1
            return true
        }
        var seen: UInt32 = 0
        // snake/camel × prompt, completion, total (a tuple: no allocation per line)
        var counts: (Int, Int, Int, Int, Int, Int) = (.min, .min, .min, .min, .min, .min)
        while true {
            guard let k = key(&p) else { return false }
            var slot = -1
            switch k.count {
            case 13 where isKey(k, "prompt_tokens"): slot = 0
            case 12 where isKey(k, "promptTokens"): slot = 1
            case 17 where isKey(k, "completion_tokens"): slot = 2
            case 16 where isKey(k, "completionTokens"): slot = 3
            case 12 where isKey(k, "total_tokens"): slot = 4
            case 11 where isKey(k, "totalTokens"): slot = 5
            default: break
            }
            if slot >= 0 {
                let bit: UInt32 = 1 << UInt32(slot)
                guard seen & bit == 0 else { return false }
                seen |= bit
                guard let v = count(&p) else { return false }
                switch slot {
                case 0: counts.0 = v
                case 1: counts.1 = v
                case 2: counts.2 = v
                case 3: counts.3 = v
                case 4: counts.4 = v
                default: counts.5 = v
                }
            } else {
                guard skipValue(&p) else { return false }
            }
            guard let more = nextMember(&p) else { return false }
            if !more { break }
        }
        // `first([snake, camel])`: the snake_case key wins whenever it is present, even with a null value.
        facts.prompt = seen & 1 != 0 ? counts.0 : counts.1
        facts.completion = seen & 4 != 0 ? counts.2 : counts.3
        facts.total = seen & 16 != 0 ? counts.4 : counts.5
        return true
    }

    /// One count value as sums take it (`RecordDecoder.countForSums`): `Int.min` for values that are not counts.
    /// - Returns: nil on a syntax error.
    func count(_ p: inout Int) -> Int? {
        let c = b[p]
        if c == 0x22 {
            guard let s = string(&p) else { return nil }
            return RecordDecoder.countForSums(.string(text(s))) ?? .min
        }
        if Self.startsNumber(c) {
            guard let n = numberValue(&p, maxDigits: 18) else { return nil }
            switch n {
            case .plain(let v): return v
            case .text(let text): return RecordDecoder.countForSums(.number(JSONNumber(text: text))) ?? .min
            }
        }
        guard skipValue(&p) else { return nil }
        return .min
    }
}
