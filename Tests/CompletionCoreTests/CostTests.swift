import Foundation
import Testing
import TestSupport
@testable import CompletionCore

/// Costs against genai-prices' own `calc_price` (responses, JSON Lines logs and chat/text completion streams) (Costs/expected-costs.json, written by
/// Sources/CompletionCore/Cost/tools/make-expected-costs.py), and the rules around them.
@Suite struct CostTests {
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var line: Int?
        var record: Int?
        var table: Decimal?
        var reported: Decimal?
        var description: String { "\(file):\(line ?? record ?? -1)" }
    }

    static let expected: [Expected] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Costs/expected-costs.json")
        guard let text = try? String(contentsOf: url, encoding: .utf8), let value = try? JSONParser.parse(text) else { return [] }
        return (value.arrayValue ?? []).map { e in
            func dec(_ v: JSONValue?) -> Decimal? {
                switch v {
                case .string(let s)?: return Decimal(string: s, locale: Locale(identifier: "en_US_POSIX"))
                case .number(let n)?: return Decimal(string: n.text, locale: Locale(identifier: "en_US_POSIX"))
                default: return nil
                }
            }
            return Expected(file: e["file"]?.stringValue ?? "", line: e["line"]?.intValue, record: e["record"]?.intValue,
                            table: dec(e["table"]), reported: dec(e["reported"]))
        }
    }()

    static func record(for e: Expected) -> CompletionRecord? {
        // A sample's name, or a path from the repository's root (the `request --log` lines of Costs/).
        let url = e.file.contains("/") ? root.appendingPathComponent(e.file) : root.appendingPathComponent("Samples").appendingPathComponent(e.file)
        let records = RecordLoader.loadAll(path: url.path).records
        if let line = e.line { return records.first { $0.source.line == line } }
        if let index = e.record, index < records.count { return records[index] }
        return nil
    }

    @Test func theBundledTableIsGenaiPrices() throws {
        let table = try #require(PriceTable.bundled)
        #expect(table.version == "0.2.3")
        #expect(table.currency == "USD")
        #expect(table.providers.count > 40)
        #expect(table.provider(id: "openai")?.models.isEmpty == false)
    }

    @Test func theBundledTablesExpressionsCompileAndMatchAsWhenCheckedAtOnce() throws {
        let path = Self.root.appendingPathComponent("Sources/CompletionCore/Cost/Resources/prices.json").path
        // Read with every expression compiled and checked: none of the shipped ones fails.
        let checked = try PriceTable.read(path: path)
        let later = try PriceTable.read(path: path, compilingRegexesLater: true)
        func regexes(_ c: MatchClause?) -> [NSRegularExpressionBox] {
            switch c {
            case .regex(let box)?: return [box]
            case .or(let cs)?, .and(let cs)?: return cs.flatMap { regexes($0) }
            default: return []
            }
        }
        func all(_ t: PriceTable) -> [NSRegularExpressionBox] {
            t.providers.flatMap { p in regexes(p.modelMatch) + regexes(p.providerMatch) + p.models.flatMap { regexes($0.match) } }
        }
        #expect(all(later).count == all(checked).count)
        #expect(all(later).count > 50)
        #expect(all(later).allSatisfy { $0.regex != nil })
        for name in ["gpt-4o-mini-2024-07-18", "claude-3-5-sonnet-20241022", "gemini-1.5-pro-002", "llama-3.1-8b", "mistral-large-latest"] {
            #expect(zip(all(later), all(checked)).allSatisfy { $0.search(name) == $1.search(name) }, "\(name)")
        }
    }

    @Test func theExpectationsCoverTheSamples() {
        #expect(Self.expected.count == 256)
        #expect(Self.expected.filter { $0.table != nil }.count == 125)
        // The base URL of a `request --log` line names the provider: six lines, five providers' URLs and
        // one local server (priced by the model id's pattern).
        #expect(Self.expected.filter { $0.file.hasSuffix("base-url-log.jsonl") && $0.table != nil }.count == 6)
    }

    /// Every sample record with usage: the same price as calc_price (to a billionth of a dollar, so to the
    /// cent), or no price where genai-prices knows no price.
    @Test(arguments: expected)
    func matchesCalcPrice(_ e: Expected) throws {
        let table = try #require(PriceTable.bundled)
        let record = try #require(Self.record(for: e), "\(e)")
        let usage = try #require(record.usage.flatMap(PricedUsage.init))
        let seconds = try #require(record.created?.seconds)
        let model = try #require(record.model)
        let cost = table.cost(model: model, providerHint: table.providerHint(of: record), usage: usage, createdSeconds: seconds)
        if let want = e.table {
            let got = try #require(cost?.total, "\(e) has no price")
            #expect(abs(NSDecimalNumber(decimal: got - want).doubleValue) < 1e-9, "\(e): \(got) ≠ \(want)")
        } else {
            #expect(cost == nil, "\(e) should have no price")
        }
        if let reported = e.reported {
            let shown = try #require(table.cost(of: record))
            #expect(shown.source == .reported)
            #expect(shown.total == reported)
        }
    }

    @Test func anUnknownModelHasNoPriceNotZero() throws {
        let table = try #require(PriceTable.bundled)
        let r = CompletionRecord(kind: .textCompletion, model: "my-local-model", created: Timestamp(parsing: .number(JSONNumber(1_700_000_000))),
                                 usage: Usage(promptTokens: 10, completionTokens: 5, totalTokens: 15), source: RecordSource(path: "-", line: 1))
        #expect(table.cost(of: r) == nil)
        #expect(RecordJSON.value(r, prices: table)["cost"] == .null)
    }

    @Test func cachedTokensAreChargedAtTheCacheReadPrice() throws {
        let table = try #require(PriceTable.bundled)
        let t = 1_750_000_000.0
        let plain = try #require(table.cost(model: "gpt-4o", providerHint: "openai", usage: PricedUsage(prompt: 1_000_000, completion: 0), createdSeconds: t))
        let cached = try #require(table.cost(model: "gpt-4o", providerHint: "openai", usage: PricedUsage(prompt: 1_000_000, cacheRead: 1_000_000, completion: 0), createdSeconds: t))
        #expect(plain.total == 2.5)
        #expect(cached.total == 1.25)
        #expect(cached.input == 0)
        #expect(cached.cached == 1.25)
    }

    @Test func thePriceInForceAtTheRecordsTimeIsUsed() throws {
        let json = #"{"version":"t","providers":[{"id":"p","name":"P","model_match":{"starts_with":"m"},"models":[{"id":"m","match":{"equals":"m"},"prices":[{"constraint":null,"prices":{"input_mtok":"1","output_mtok":"2"}},{"constraint":{"start_date":"2025-01-01"},"prices":{"input_mtok":"10","output_mtok":"20"}}]}]}]}"#
        let table = try PriceTable.parse(try JSONParser.parse(json), path: "t.json")
        let usage = PricedUsage(prompt: 1_000_000, completion: 1_000_000)
        let before = try #require(table.cost(model: "m", providerHint: nil, usage: usage, createdSeconds: 1_735_689_599)) // 2024-12-31T23:59:59Z
        let after = try #require(table.cost(model: "m", providerHint: nil, usage: usage, createdSeconds: 1_735_689_600))
        #expect(before.total == 3)
        #expect(before.priceDate == nil)
        #expect(after.total == 30)
        #expect(after.priceDate == "2025-01-01")
    }

    @Test func tiersApplyToEveryTokenOncePassed() throws {
        let json = #"{"providers":[{"id":"p","name":"P","model_match":{"starts_with":"m"},"models":[{"id":"m","match":{"starts_with":"m"},"prices":{"input_mtok":{"base":"1","tiers":[{"start":200000,"price":"2"}]}}}]}]}"#
        let table = try PriceTable.parse(try JSONParser.parse(json), path: "t.json")
        #expect(table.cost(model: "M-1", providerHint: nil, usage: PricedUsage(prompt: 200_000, completion: 0), createdSeconds: 0)?.total == 0.2)
        #expect(table.cost(model: "m-1", providerHint: nil, usage: PricedUsage(prompt: 200_001, completion: 0), createdSeconds: 0)?.total == Decimal(string: "0.400002"))
    }

    @Test func aProviderPrefixInTheModelIdChoosesTheProvider() throws {
        let table = try #require(PriceTable.bundled)
        #expect(table.lookup(model: "openai/gpt-3.5-turbo-instruct")?.provider.id == "openai")
        #expect(table.lookup(model: "gpt-3.5-turbo-instruct")?.provider.id == "openai")
        #expect(table.lookup(model: "no-such-provider/no-such-model") == nil)
    }

    @Test func theJSONCostKeyFollowsUsage() throws {
        let table = try #require(PriceTable.bundled)
        let r = try #require(RecordLoader.loadAll(path: Self.root.appendingPathComponent("Samples/openai-text-completion.json").path).records.first)
        let value = RecordJSON.value(r, prices: table)
        let keys = value.objectValue?.entries.map(\.key) ?? []
        #expect(keys.firstIndex(of: "cost") == keys.firstIndex(of: "usage").map { $0 + 1 })
        let cost = try #require(value["cost"]?.objectValue)
        #expect(cost.entries.map(\.key) == ["total", "currency", "input", "cached", "output", "source", "price_date"])
        #expect(cost["total"] == .number(JSONNumber(text: "0.000033")))
        #expect(cost["source"] == .string("table"))
        var w = JSONWriter()
        RecordJSON.writeLine(r, prices: table, to: &w)
        #expect(String(decoding: w.bytes, as: UTF8.self) == JSONWriter.compact(value) + "\n")
    }

    @Test func openRoutersReportedCostWins() throws {
        let table = try #require(PriceTable.bundled)
        let r = try #require(RecordLoader.loadAll(path: Self.root.appendingPathComponent("Samples/openrouter.json").path).records.first)
        let cost = try #require(table.cost(of: r))
        #expect(cost.source == .reported)
        #expect(cost.total == Decimal(string: "0.0000198"))
        #expect(RecordJSON.value(r, prices: table)["cost"]?["source"] == .string("reported"))
    }

    @Test func shortAmounts() {
        #expect(CostText.short(Decimal(string: "0.000033") ?? 0) == "$0.00003300")
        #expect(CostText.short(Decimal(string: "1.5") ?? 0) == "$1.50")
        #expect(CostText.short(0) == "$0")
    }

    @Test func costRangesParse() throws {
        guard case .cost(let above)? = try FilterQuery.parse("cost:>0.01") else { Issue.record("not a cost term"); return }
        #expect(!above.contains(0.01) && above.contains(0.0100001))
        guard case .cost(let between)? = try FilterQuery.parse("cost:$0.001..0.01") else { Issue.record("not a cost term"); return }
        #expect(between == 0.001...0.01)
        #expect(throws: FilterQueryError.self) { try FilterQuery.parse("cost:cheap") }
    }

    @Test func statsPriceEachModelAndSayWhenNothingWasPriced() throws {
        let index = LogIndex(data: try Data(contentsOf: Self.root.appendingPathComponent("Samples/log-200.jsonl")), path: "log-200.jsonl")
        index.build()
        let a = index.snapshot().aggregates()
        let table = StatsReport.table(a, files: [StatsReport.File(path: "log-200.jsonl", aggregates: a, problem: nil)])
        #expect(table.contains("COST"))
        let gpt = try #require(table.split(separator: "\n").first { $0.hasPrefix("gpt-3.5-turbo-instruct") })
        #expect(gpt.hasSuffix(StatsReport.costText(try #require(a.models.first { $0.name == "gpt-3.5-turbo-instruct" }))))
        #expect(table.split(separator: "\n").first { $0.hasPrefix("babbage-002") }?.hasSuffix("no price") == true)
        let json = try JSONParser.parse(StatsReport.json(a, files: []))
        let models = json["models"]?.arrayValue ?? []
        #expect(models.first { $0["model"] == .string("babbage-002") }?["cost"] == .null)
        #expect(models.first { $0["model"] == .string("gpt-3.5-turbo-instruct") }?["priced_records"] == .number(JSONNumber(88)))
    }
}

@Suite struct CostTextTests {
    @Test func theFastTextOfAnAmountIsNSDecimalNumbersText() {
        var g = SplitMix(state: 0)
        var checked = 0
        for _ in 0..<20_000 {
            let significand = Decimal(g.next() % 10_000_000_000_000)
            let exponent = -Int(g.next() % 16)
            let d = Decimal(sign: g.next() % 5 == 0 ? .minus : .plus, exponent: exponent, significand: significand)
            var reference = d
            if d.exponent < -12 {
                var rounded = Decimal()
                NSDecimalRound(&rounded, &reference, 12, .plain)
                reference = rounded
            }
            #expect(CostText.plain(d) == NSDecimalNumber(decimal: reference).stringValue, "\(d)")
            if CostText.picoText(reference) != nil { checked += 1 }
        }
        #expect(checked > 10_000, "most amounts take the fast path")
        #expect(CostText.plain(Decimal(string: "0.000056") ?? 0) == "0.000056")
        #expect(CostText.plain(0) == "0")
        #expect(CostText.plain(Decimal(string: "123456789") ?? 0) == "123456789")
    }
}

@Suite struct PriceLiteralTests {
    static let posix = Locale(identifier: "en_US_POSIX")

    /// Every price literal of the bundled table, as written.
    static func bundledLiterals() throws -> [String] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/CompletionCore/Cost/Resources/prices.json").path
        let root = try JSONParser.parse(try String(contentsOfFile: path, encoding: .utf8))
        var out: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for entry in o.entries {
                    let (k, x) = (entry.key, entry.value)
                    if k.hasSuffix("_mtok") || k == "requests_kcount" || k == "base" || k == "price" {
                        if case .number(let n) = x { out.append(n.text) } else if case .string(let s) = x { out.append(s) }
                    }
                    walk(x)
                }
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        walk(root)
        return out
    }

    @Test func everyPriceOfTheBundledTableReadsAsDecimalsOwnReaderReadsIt() throws {
        let literals = try Self.bundledLiterals()
        #expect(literals.count > 1000)
        var fast = 0
        for text in literals {
            guard let d = PriceTable.plainDecimal(text) else { continue }
            fast += 1
            let reference = Decimal(string: text, locale: Self.posix)
            #expect(d == reference, "\(text)")
            #expect(d.description == reference?.description, "\(text)")
        }
        #expect(fast > literals.count / 2, "most prices take the plain path")
    }

    @Test func theBundledTableReadsEachModelsPricesWhenAskedAsItReadsThemAtOnce() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/CompletionCore/Cost/Resources/prices.json").path
        let now = try PriceTable.read(path: path)
        let later = try PriceTable.read(path: path, compilingRegexesLater: true, pricesLater: true)
        #expect(now.providers.count == later.providers.count)
        var models = 0
        for (a, b) in zip(now.providers, later.providers) {
            #expect(a.models.count == b.models.count)
            for (m, n) in zip(a.models, b.models) {
                models += 1
                #expect(m.id == n.id)
                #expect(m.prices.map(\.prices) == n.prices.map(\.prices), "\(a.id) \(m.id)")
                #expect(m.prices.map(\.constraint) == n.prices.map(\.constraint), "\(a.id) \(m.id)")
                #expect(!n.prices.isEmpty || m.prices.isEmpty, "\(a.id) \(m.id)")
            }
        }
        #expect(models > 2000)
        // What a lookup gives holds its prices already read, and prices the same.
        let found = try #require(later.lookup(model: "gpt-4o-mini"))
        #expect(found.model.prices.map(\.prices) == now.lookup(model: "gpt-4o-mini")?.model.prices.map(\.prices))
        #expect(found.model.prices.first?.prices.input != nil)
    }

    @Test func aTableReadLaterGivesTheSameModelsAsOneReadAtOnce() throws {
        let model = #"{"id":"m1","match":{"equals":"m1"},"prices":{"input_mtok":1,"output_mtok":2}}"#
        let other = #"{"id":"o1","match":{"starts_with":"o"},"prices":{"input_mtok":3}}"#
        let providers = #"[{"id":"a","models":[\#(model)],"name":"A"},{"id":"b","model_match":{"starts_with":"o"},"models":[\#(other)]}]"#
        // The first list of providers is overridden by the second, as the last repeated key is read.
        let text = #"{"providers":[{"id":"z","models":[]}],"version":"1","providers":\#(providers)}"#
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let now = try PriceTable.read(path: path)
        let later = try PriceTable.read(path: path, compilingRegexesLater: true, pricesLater: true)
        #expect(later.providers.map(\.id) == ["a", "b"])
        #expect(later.providers.map(\.name) == now.providers.map(\.name))
        #expect(later.providers.map { $0.models.map(\.id) } == [["m1"], ["o1"]])
        #expect(later.lookup(model: "o-mini")?.model.prices.first?.prices == now.lookup(model: "o-mini")?.model.prices.first?.prices)
        #expect(later.lookup(model: "a/m1")?.model.id == "m1")
        // Models that are not JSON are an error of the table, named by its file.
        try Data(text.replacingOccurrences(of: #""equals":"m1"}"#, with: #""equals":"m1""#).utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PriceTableError.self) { try PriceTable.read(path: path, compilingRegexesLater: true, pricesLater: true) }
        do {
            _ = try PriceTable.read(path: path, compilingRegexesLater: true, pricesLater: true)
        } catch {
            #expect(error.description.hasPrefix(path + ": error: not JSON"))
        }
    }

    @Test func onlyPlainLiteralsTakeThePlainPath() {
        for text in ["0", "12", "0.15", "0.0000375", "100.50", "000.5", "123456789012345678", "1234567890.12345678"] {
            #expect(PriceTable.plainDecimal(text) == Decimal(string: text, locale: Self.posix), "\(text)")
        }
        // Left to Decimal(string:): signs, exponents, a point without digits on a side, two points, too many
        // digits for the plain sum, and anything else.
        for text in ["", ".", "1.", ".5", "1.2.3", "-1", "+1", "1e-5", "1E3", "1234567890123456789", "0x10", "1 ", " 1", "١٢", "NaN"] {
            #expect(PriceTable.plainDecimal(text) == nil, "\(text)")
        }
        var g = SplitMix(state: 77)
        for _ in 0..<5_000 {
            let whole = g.next() % 1_000_000, fractionDigits = Int(g.next() % 10)
            let fraction = fractionDigits == 0 ? "" : "." + String(String(g.next()).suffix(fractionDigits)).padding(toLength: fractionDigits, withPad: "0", startingAt: 0)
            let text = "\(whole)" + fraction
            let d = PriceTable.plainDecimal(text)
            #expect(d != nil && d == Decimal(string: text, locale: Self.posix) && d?.description == Decimal(string: text, locale: Self.posix)?.description, "\(text)")
        }
    }
}

@Suite struct LoggedBaseURLTests {
    @Test func credentialsPathParametersQueryAndFragmentAreLeftOut() {
        #expect(CompletionRequest.loggedBaseURL("https://alice:pw@api.groq.com/openai/v1?key=sk-1#x") == "https://api.groq.com/openai/v1")
        #expect(CompletionRequest.loggedBaseURL("http://127.0.0.1:8080/v1;token=sk-param/x;y") == "http://127.0.0.1:8080/v1/x")
        #expect(CompletionRequest.loggedBaseURL("not a url") == nil)
        #expect(CompletionRequest.loggedBaseURL("/just/a/path") == nil)
    }
}
