import CByteScan
import Foundation

/// A price table that could not be read, with the place in it that was wrong.
public struct PriceTableError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): error: \(message)" }
}

extension PriceTable {
    /// The table shipped with completion-tui (genai-prices' data), or nil when its resource is missing
    /// from this installation; costs then show as "no price".
    public static let bundled: PriceTable? = {
        defer { bundledReading.finish() }
        for url in bundledCandidates where FileManager.default.fileExists(atPath: url.path) {
            // Shipped and checked by the tests: its expressions are compiled when first used.
            if let table = try? read(path: url.path, origin: nil, compilingRegexesLater: true, pricesLater: true) { return table }
        }
        return nil
    }()

    /// Says that `bundled` will be read on another thread (the inspector's job that waits for it, which runs
    /// once the first frame is drawn): until it is, `bundledUnlessReading` is `.reading` instead of reading
    /// it on the caller's thread. Reading the 860 KB table takes about as long as setting up the terminal
    /// and opening a log, and on two cores it competed with both for the first frame.
    public static func readBundledOnAnotherThread() {
        bundledReading.start()
    }

    /// The bundled table when it can be had without waiting for another thread: `.reading` after
    /// `readBundledOnAnotherThread` until it is read. When nobody said so, it is read here.
    public static var bundledUnlessReading: BundledPrices {
        bundledReading.isReading ? .reading : .read(bundled)
    }

    /// See `bundledUnlessReading`.
    public enum BundledPrices: Sendable {
        case read(PriceTable?)
        case reading
    }

    /// Whether a background read of `bundled` is under way.
    private static let bundledReading = BackgroundRead()

    private final class BackgroundRead: @unchecked Sendable {
        private let lock = NSLock()
        private var started = false
        private var finished = false

        func start() { lock.withLock { started = true } }

        func finish() { lock.withLock { finished = true } }

        var isReading: Bool { lock.withLock { started && !finished } }
    }

    /// Where SwiftPM puts the resource next to the executable or test bundle, then the source tree (a
    /// binary run from a checkout). Looked up by hand rather than through `Bundle.module`, which stops the
    /// program when the bundle is missing.
    private static var bundledCandidates: [URL] {
        let name = "completion-tui_CompletionCore.resources"
        var urls: [URL] = []
        let main = Bundle.main.bundleURL
        urls.append(main.appendingPathComponent(name).appendingPathComponent("prices.json"))
        urls.append(main.deletingLastPathComponent().appendingPathComponent(name).appendingPathComponent("prices.json"))
        if let exe = Bundle.main.executableURL?.deletingLastPathComponent() {
            urls.append(exe.appendingPathComponent(name).appendingPathComponent("prices.json"))
        }
        urls.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources").appendingPathComponent("prices.json"))
        return urls
    }

    /// Reads a table in the bundled format from a file.
    /// - Throws: `PriceTableError` naming the file when it cannot be read or is not such a table.
    /// - Parameters:
    ///   - compilingRegexesLater: leave `regex` rules to be compiled when first used (one that does not
    ///     compile then matches nothing) instead of checking them now.
    ///   - pricesLater: read each model's prices when it is first priced (malformed ones then price
    ///     nothing) instead of checking them now.
    public static func read(path: String, origin: String? = nil, compilingRegexesLater: Bool = false,
                            pricesLater: Bool = false) throws(PriceTableError) -> PriceTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PriceTableError(path: path, message: "cannot read the price table")
        }
        let value: JSONValue
        var laterModels: [Data?]?
        do {
            if pricesLater {
                (value, laterModels) = try withoutModels(data)
            } else {
                value = try data.withUnsafeBytes { raw throws(JSONSyntaxError) in
                    try JSONParser.parse(raw.bindMemory(to: UInt8.self))
                }
            }
        } catch {
            throw PriceTableError(path: path, message: "not JSON: \(error)")
        }
        return try parse(value, path: path, origin: origin, compilingRegexesLater: compilingRegexesLater, pricesLater: pricesLater,
                         laterModels: laterModels)
    }

    /// The table's JSON with each provider's `models` array left out, and the bytes of those arrays (by
    /// provider, nil where a provider has none), checked to be JSON but not built.
    private static func withoutModels(_ data: Data) throws(JSONSyntaxError) -> (JSONValue, [Data?]) {
        let result: Result<(JSONValue, [Data?]), JSONSyntaxError> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var parser = JSONParser(bytes: bytes)
            var models: [Data?] = []
            func at(_ c: Character) -> Bool { !parser.isAtEnd && bytes[parser.position] == c.asciiValue }
            func expect(_ c: Character) throws(JSONSyntaxError) {
                parser.skipWhitespace()
                guard at(c) else { throw JSONSyntaxError(offset: parser.position, message: "expected '\(c)'") }
                parser.position += 1
            }
            /// The elements of an array or object, from its opening bracket: `element` reads each one.
            func elements(_ open: Character, _ close: Character, _ element: () throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
                try expect(open)
                parser.skipWhitespace()
                if at(close) {
                    parser.position += 1
                    return
                }
                repeat {
                    parser.skipWhitespace()
                    try element()
                    parser.skipWhitespace()
                    guard at(",") || at(close) else { throw JSONSyntaxError(offset: parser.position, message: "expected ',' or '\(close)'") }
                    parser.position += 1
                } while bytes[parser.position - 1] == UInt8(ascii: ",")
            }
            /// The members of an object, from its `{`; `member` reads each value (nil: left out).
            func object(_ member: (String) throws(JSONSyntaxError) -> JSONValue?) throws(JSONSyntaxError) -> JSONValue {
                var o = JSONObject()
                try elements("{", "}") { () throws(JSONSyntaxError) in
                    guard at("\"") else { throw JSONSyntaxError(offset: parser.position, message: "expected a quoted key") }
                    let key = try parser.parseString()
                    try expect(":")
                    parser.skipWhitespace()
                    if let value = try member(key) { o.append(key, value) }
                }
                return .object(o)
            }
            func provider() throws(JSONSyntaxError) -> JSONValue {
                var kept: Data?
                let value = try object { key throws(JSONSyntaxError) in
                    guard key == "models", let base = bytes.baseAddress else { return try parser.parseValue() }
                    let end = cbytescan_skip_value(base, parser.position, bytes.count, 60)
                    guard end <= bytes.count else { throw JSONSyntaxError(offset: parser.position, message: "the models are not JSON") }
                    kept = Data(UnsafeBufferPointer(rebasing: bytes[parser.position..<end]))
                    parser.position = end
                    return nil
                }
                models.append(kept)
                return value
            }
            do throws(JSONSyntaxError) {
                parser.skipWhitespace()
                let root = try object { key throws(JSONSyntaxError) in
                    // A repeated key: the last one counts, as `JSONObject` reads it.
                    if key == "providers" { models = [] }
                    guard key == "providers", at("[") else { return try parser.parseValue() }
                    var items: [JSONValue] = []
                    try elements("[", "]") { () throws(JSONSyntaxError) in
                        if at("{") {
                            items.append(try provider())
                        } else {
                            items.append(try parser.parseValue())
                            models.append(nil)
                        }
                    }
                    return .array(items)
                }
                parser.skipWhitespace()
                guard parser.isAtEnd else { throw JSONSyntaxError(offset: parser.position, message: "more after the table") }
                return .success((root, models))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Builds a table from its JSON form.
    /// - Throws: `PriceTableError` for a missing `providers` list or a malformed provider, model or price.
    public static func parse(_ value: JSONValue, path: String, origin: String? = nil, compilingRegexesLater: Bool = false,
                             pricesLater: Bool = false) throws(PriceTableError) -> PriceTable {
        try parse(value, path: path, origin: origin, compilingRegexesLater: compilingRegexesLater, pricesLater: pricesLater, laterModels: nil)
    }

    /// `parse`, with the bytes of each provider's models (`withoutModels`) read when first looked in.
    private static func parse(_ value: JSONValue, path: String, origin: String?, compilingRegexesLater: Bool,
                              pricesLater: Bool, laterModels: [Data?]?) throws(PriceTableError) -> PriceTable {
        func fail(_ message: String) -> PriceTableError { PriceTableError(path: path, message: message) }
        let later = compilingRegexesLater
        guard let root = value.objectValue, let rawProviders = root["providers"]?.arrayValue else {
            throw fail("a price table is an object with a \"providers\" list")
        }
        var providers: [PriceProvider] = []
        for (p, rawProvider) in rawProviders.enumerated() {
            guard let o = rawProvider.objectValue, let id = o["id"]?.stringValue else {
                throw fail("providers[\(p)] has no id")
            }
            var provider = PriceProvider(
                id: id.lowercased(),
                name: o["name"]?.stringValue ?? id,
                apiPattern: o["api_pattern"]?.stringValue,
                modelMatch: try clause(o["model_match"], at: "providers[\(p)].model_match", later: later, fail: fail),
                providerMatch: try clause(o["provider_match"], at: "providers[\(p)].provider_match", later: later, fail: fail),
                fallbackProviders: (o["fallback_model_providers"]?.arrayValue ?? []).compactMap(\.stringValue),
                models: []
            )
            if let laterModels, p < laterModels.count, let bytes = laterModels[p] {
                // A model that cannot be read then takes its provider's other models with it: the bundled
                // table's are all read by the tests.
                provider.readModelsLater(Later {
                    // The bytes were checked to be one JSON value when the table was read.
                    let raw = bytes.withUnsafeBytes { try? JSONParser.parse($0.bindMemory(to: UInt8.self)) }
                    return raw.flatMap { try? models($0, provider: p, path: path, compilingRegexesLater: later, pricesLater: pricesLater) } ?? []
                })
            } else {
                provider.models = try models(o["models"] ?? .null, provider: p, path: path, compilingRegexesLater: later, pricesLater: pricesLater)
            }
            providers.append(provider)
        }
        let version = root["version"]?.stringValue
        return PriceTable(
            version: version,
            date: root["date"]?.stringValue,
            currency: root["currency"]?.stringValue ?? "USD",
            providers: providers,
            // The bundled snapshot names itself by package and version; another table by its file.
            origin: origin ?? (root["source"]?.stringValue?.hasPrefix("genai-prices") == true ? "genai-prices \(version ?? "")" : path)
        )
    }

    /// A provider's models from their JSON array.
    private static func models(_ value: JSONValue, provider p: Int, path: String, compilingRegexesLater later: Bool,
                               pricesLater: Bool) throws(PriceTableError) -> [PriceModel] {
        func fail(_ message: String) -> PriceTableError { PriceTableError(path: path, message: message) }
        var models: [PriceModel] = []
        for (m, rawModel) in (value.arrayValue ?? []).enumerated() {
            let here = { "providers[\(p)].models[\(m)]" }
            guard let mo = rawModel.objectValue, let modelID = mo["id"]?.stringValue,
                  let match = try clause(mo["match"], at: here() + ".match", later: later, fail: fail) else {
                throw fail("\(here()) needs an id and a match rule")
            }
            let name = mo["name"]?.stringValue
            if pricesLater {
                let raw = mo["prices"] ?? .null
                models.append(PriceModel(id: modelID, name: name, match: match, later: Later {
                    (try? conditionalPrices(raw, at: "", fail: { PriceTableError(path: path, message: $0) })) ?? []
                }))
            } else {
                let prices = try conditionalPrices(mo["prices"], at: here() + ".prices", fail: fail)
                models.append(PriceModel(id: modelID, name: name, match: match, prices: prices))
            }
        }
        return models
    }

    private static func clause(_ value: JSONValue?, at place: @autoclosure () -> String, later: Bool, fail: (String) -> PriceTableError) throws(PriceTableError) -> MatchClause? {
        guard let value, !value.isNull else { return nil }
        guard let o = value.objectValue, let (key, inner) = o.entries.first.map({ ($0.key, $0.value) }) else {
            throw fail("\(place()) is not a match rule")
        }
        if key == "or" || key == "and" {
            var parts: [MatchClause] = []
            for (i, part) in (inner.arrayValue ?? []).enumerated() {
                if let c = try clause(part, at: "\(place()).\(key)[\(i)]", later: later, fail: fail) { parts.append(c) }
            }
            return key == "or" ? .or(parts) : .and(parts)
        }
        guard let text = inner.stringValue else { throw fail("\(place()).\(key) is not a string") }
        switch key {
        case "equals": return .equals(text.lowercased())
        case "starts_with": return .startsWith(text.lowercased())
        case "ends_with": return .endsWith(text.lowercased())
        case "contains": return .contains(text.lowercased())
        case "regex":
            if later { return .regex(NSRegularExpressionBox(compilingLater: text)) }
            guard let regex = try? NSRegularExpression(pattern: text) else {
                throw fail("\(place()).regex is not a regular expression: \(VisibleText.escape(text))")
            }
            return .regex(NSRegularExpressionBox(regex))
        default:
            throw fail("\(place()) has an unknown match rule \(VisibleText.escape(key))")
        }
    }

    private static func conditionalPrices(_ value: JSONValue?, at place: String, fail: (String) -> PriceTableError) throws(PriceTableError) -> [ConditionalPrices] {
        switch value {
        case .object(let o)?:
            return [ConditionalPrices(constraint: nil, prices: try priceSet(o, at: place, fail: fail))]
        case .array(let items)?:
            var out: [ConditionalPrices] = []
            for (i, item) in items.enumerated() {
                guard let o = item.objectValue, let prices = o["prices"]?.objectValue else {
                    throw fail("\(place)[\(i)] has no prices")
                }
                out.append(ConditionalPrices(
                    constraint: try constraint(o["constraint"], at: "\(place)[\(i)].constraint", fail: fail),
                    prices: try priceSet(prices, at: "\(place)[\(i)].prices", fail: fail)))
            }
            return out
        default:
            return []
        }
    }

    private static func constraint(_ value: JSONValue?, at place: String, fail: (String) -> PriceTableError) throws(PriceTableError) -> PriceConstraint? {
        guard let o = value?.objectValue else { return nil }
        if let text = o["start_date"]?.stringValue {
            guard let day = Self.day(text) else { throw fail("\(place).start_date is not a YYYY-MM-DD date") }
            return .startDate(day: day, text: text)
        }
        if let start = o["start_time"]?.stringValue.flatMap(Self.secondsOfDay),
           let end = o["end_time"]?.stringValue.flatMap(Self.secondsOfDay) {
            return .timeOfDay(start: start, end: end)
        }
        throw fail("\(place) is neither a start_date nor a start_time/end_time window")
    }

    private static func priceSet(_ o: JSONObject, at place: String, fail: (String) -> PriceTableError) throws(PriceTableError) -> PriceSet {
        func price(_ key: String) throws(PriceTableError) -> Price? {
            guard let v = o[key], !v.isNull else { return nil }
            if let d = decimal(v) { return .flat(d) }
            if let t = v.objectValue, let base = t["base"].flatMap(decimal) {
                var tiers: [(start: Int, price: Decimal)] = []
                for tier in t["tiers"]?.arrayValue ?? [] {
                    guard let start = tier["start"]?.intValue, let p = tier["price"].flatMap(decimal) else {
                        throw fail("\(place).\(key) has a malformed tier")
                    }
                    tiers.append((start, p))
                }
                return .tiered(base: base, tiers: tiers.sorted { $0.start < $1.start })
            }
            throw fail("\(place).\(key) is not a price")
        }
        var set = PriceSet(
            input: try price("input_mtok"),
            cacheRead: try price("cache_read_mtok"),
            cacheWrite: try price("cache_write_mtok"),
            output: try price("output_mtok"),
            outputReasoning: try price("output_reasoning_mtok"),
            requestsPerThousand: try price("requests_kcount"))
        set.exact = ExactPriceSet(set)
        return set
    }

    /// A price written as a decimal string (`"0.15"`, exact) or a JSON number; never negative.
    private static func decimal(_ v: JSONValue) -> Decimal? {
        let text: String
        switch v {
        case .string(let s): text = s
        case .number(let n): text = n.text
        default: return nil
        }
        if let d = plainDecimal(text) { return d }
        guard let d = Decimal(string: text, locale: posix), !d.isNaN, d >= 0 else { return nil }
        return d
    }

    private static let posix = Locale(identifier: "en_US_POSIX")

    /// `Decimal(string:)` of a plain literal (`0.15`, `12`, `0.0000375`: digits with at most one point, up
    /// to 18 of them), from its digits and point alone; nil for any other text, which goes to
    /// `Decimal(string:)`. The bundled table's 7,000 prices went through `Decimal(string:)` and its locale
    /// at every start of `--json` and `stats`: a third of reading the table, which took 24 ms of a 33 ms
    /// `completion-tui --json response.json` (hyperfine, static release build; `--print` took 9 ms).
    static func plainDecimal(_ text: String) -> Decimal? {
        var digits: UInt64 = 0
        var count = 0
        var fraction = -1  // digits after the point, once there is one
        for b in text.utf8 {
            if b == UInt8(ascii: ".") {
                guard fraction < 0 else { return nil }
                fraction = 0
                continue
            }
            let d = b &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            count += 1
            guard count <= 18 else { return nil }
            digits = digits &* 10 &+ UInt64(d)
            if fraction >= 0 { fraction += 1 }
        }
        // At least one digit on each side of a point, as JSON writes numbers.
        guard count > 0, fraction != 0, text.utf8.first != UInt8(ascii: ".") else { return nil }
        return Decimal(sign: .plus, exponent: -max(0, fraction), significand: Decimal(digits))
    }

    /// Days since 1970-01-01 for `YYYY-MM-DD`.
    static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-").map { Int($0) }
        guard parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2],
              (1...12).contains(m), (1...31).contains(d), (1...9999).contains(y) else { return nil }
        // Howard Hinnant's days_from_civil.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Seconds since midnight UTC for `HH:MM[:SS]` with an optional `Z` or `±HH:MM` offset.
    static func secondsOfDay(_ text: String) -> Int? {
        var clock = Substring(text)
        var offset = 0
        if clock.hasSuffix("Z") {
            clock = clock.dropLast()
        } else if let sign = clock.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = clock[clock.index(after: sign)...].split(separator: ":").map { Int($0) }
            guard zone.count == 2, let zh = zone[0], let zm = zone[1], (0..<24).contains(zh), (0..<60).contains(zm) else { return nil }
            offset = (zh * 3600 + zm * 60) * (clock[sign] == "+" ? 1 : -1)
            clock = clock[..<sign]
        }
        let parts = clock.split(separator: ":").map { Int($0) }
        guard (2...3).contains(parts.count), let h = parts[0], let m = parts[1] else { return nil }
        let s = parts.count == 3 ? (parts[2] ?? 0) : 0
        guard (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(s) else { return nil }
        let local = h * 3600 + m * 60 + s - offset
        return ((local % 86_400) + 86_400) % 86_400
    }
}
