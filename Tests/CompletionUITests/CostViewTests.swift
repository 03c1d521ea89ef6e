import CompletionCore
@testable import CompletionUI
import Foundation
import Testing

/// The cost in the inspector: the Usage pane's lines, the records list's column, sorting and filtering
/// an indexed log by cost, and the aggregates' cost per model.
@Suite struct CostViewTests {
    static func row(_ screen: String, _ text: String) -> String? {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init)
    }

    /// The Usage pane's lines as text, whatever room the pane has.
    static func usage(_ state: AppState) -> String {
        state.content.usage.map { $0.map(\.text).joined() }.joined(separator: "\n")
    }

    @Test func theUsagePaneShowsTheCostItsBreakdownAndThePriceDate() throws {
        let state = try Fixture.state("openai-text-completion.json", width: 120, height: 40)
        let screen = Self.usage(state)
        let cost = try #require(Self.row(screen, "cost  "))
        #expect(cost.contains("$0.00003300"))
        #expect(cost.contains("openai gpt-3.5-turbo-instruct"))
        #expect(Self.row(screen, "input $0.00001500 · output $0.00001800") != nil)
        #expect(Self.row(screen, "genai-prices 0.2.3") != nil)
    }

    @Test func aReportedCostSaysSo() throws {
        let state = try Fixture.state("openrouter.json", width: 120, height: 40)
        let cost = try #require(Self.row(Self.usage(state), "cost  "))
        #expect(cost.contains("$0.00001980"))
        #expect(cost.contains("reported by the response"))
    }

    @Test func anUnknownModelShowsNoPriceNotZero() throws {
        let state = try Fixture.state("ollama.json", width: 120, height: 40)
        let cost = try #require(Self.row(Self.usage(state), "cost  "))
        #expect(cost.contains("no price (model not in genai-prices 0.2.3)"))
        #expect(!cost.contains("$0"))
    }

    @Test func anotherTableReplacesTheBundledOne() throws {
        var state = try Fixture.state("openai-text-completion.json", width: 120, height: 40)
        let table = try PriceTable.parse(try JSONParser.parse(#"{"version":"team","providers":[{"id":"openai","name":"OpenAI","model_match":{"starts_with":"gpt"},"models":[{"id":"gpt-3.5-turbo-instruct","match":{"starts_with":"gpt-3.5"},"prices":{"input_mtok":"1000000","output_mtok":"0"}}]}]}"#), path: "team.json")
        state.setPrices(table)
        #expect(Self.row(Self.usage(state), "cost  ")?.contains("$10.00") == true)
        #expect(Self.row(Self.usage(state), "price with no start date · team.json") != nil)
    }

    /// The inspector draws its first frame while the bundled table is still being read: costs say they are
    /// coming, then appear when the table does; a cost filter typed meanwhile waits for the table.
    @Test func costsWaitForTheTableWithoutHoldingUpTheFirstFrame() throws {
        var state = try LogFixture.state(width: 120, height: 32)
        state.awaitBundledPrices()
        #expect(state.pricesPending)
        let pending = try #require(Self.row(state.screen, "It is earthy and bitter"))
        #expect(pending.contains(" … "))
        #expect(!pending.contains("$"))
        #expect(Self.row(Self.usage(state), "cost  ")?.contains("reading the price table…") == true)

        state.settle(state.reduce(.key(.char("f"))))
        state.type("cost:>0.0001")
        state.settle(state.reduce(.key(.enter)))
        #expect(!state.entries.isEmpty)

        let job = state.pricesJob()
        #expect(job != nil)
        state.settle(job.map { [$0] } ?? [])
        #expect(!state.pricesPending)
        #expect(state.pricesJob() == nil)
        #expect(Self.row(Self.usage(state), "cost  ")?.contains("$") == true)
        let index = try #require(state.index)
        for i in state.entries.indices {
            let cost = try #require(index.summaryCost(at: state.entries.position(of: i).value, prices: PriceTable.bundled))
            #expect(cost > 0.0001)
        }
    }

    @Test func theRecordsListHasACostColumnOnlyWhenThereIsRoom() throws {
        let wide = try LogFixture.state(width: 120, height: 32)
        let header = try #require(Self.row(wide.screen, "preview"))
        #expect(header.contains("cost"))
        let second = try #require(Self.row(wide.screen, "It is earthy and bitter"))
        #expect(second.contains("$0.000077"))
        let first = try #require(Self.row(wide.screen, "Cut off caffeine"))
        #expect(first.contains(" — "))
        let narrow = try LogFixture.state(width: 80, height: 24)
        #expect(Self.row(narrow.screen, "preview")?.contains("cost") == false)
    }

    @Test func sortingByCostPutsTheDearestFirstAndUnpricedLast() throws {
        var state = try LogFixture.state()
        state.pressSettling(.char("s"), .char("s"), .char("s"), .char("s"))
        #expect(state.logFilter.sort == RecordSort(.cost, descending: true))
        let index = try #require(state.index)
        let costs = state.entries.indices.map { index.summaryCost(at: state.entries.position(of: $0).value, prices: PriceTable.bundled) }
        let priced = costs.prefix { $0 != nil }.compactMap { $0 }
        #expect(priced.count == 88)
        #expect(priced == priced.sorted(by: >))
        #expect(costs.dropFirst(priced.count).allSatisfy { $0 == nil })
    }

    @Test func aCostFilterKeepsRecordsInTheRange() throws {
        var state = try LogFixture.state()
        state.settle(state.reduce(.key(.char("f"))))
        state.type("cost:>0.0001")
        state.settle(state.reduce(.key(.enter)))
        let index = try #require(state.index)
        #expect(!state.entries.isEmpty)
        for row in state.entries.indices {
            let cost = try #require(index.summaryCost(at: state.entries.position(of: row).value, prices: PriceTable.bundled))
            #expect(cost > 0.0001)
        }
        let all = index.select(nil)
        let expected = all.filter { (index.summaryCost(at: Int($0), prices: PriceTable.bundled) ?? 0) > 0.0001 }
        #expect(state.entries.count == expected.count)
    }

    @Test func theAggregatesPriceEachModel() throws {
        let index = try LogFixture.index()
        let a = index.aggregates()
        let gpt = try #require(a.models.first { $0.name == "gpt-3.5-turbo-instruct" })
        #expect(gpt.pricedRecords == gpt.records)
        let records = try LogFixture.records().filter { $0.model == "gpt-3.5-turbo-instruct" }
        let table = try #require(PriceTable.bundled)
        let sum = records.compactMap { table.cost(of: $0) }.reduce(Decimal(0)) { $0 + $1.total }
        #expect(abs(gpt.cost - NSDecimalNumber(decimal: sum).doubleValue) < 1e-9)
        let babbage = try #require(a.models.first { $0.name == "babbage-002" })
        #expect(babbage.pricedRecords == 0)
        let lines = AggregatesContent.table(a.models, header: "MODEL", clock: Fixture.clock, width: 120)
        #expect(lines.first.map { $0.map(\.text).joined() }?.contains("COST") == true)
    }
}

/// The usage audit in the inspector: the Usage pane says what disagrees, the list marks the record, and
/// `U` keeps only such records.
@Suite struct UsageAuditViewTests {
    static let lines = [
        #"{"id":"a","object":"text_completion","created":1741600000,"model":"m","choices":[{"index":0,"text":"fine","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#,
        #"{"id":"b","object":"text_completion","created":1741600001,"model":"m","choices":[{"index":0,"text":"cached","finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":9}}}"#,
    ]

    static func state() -> AppState {
        let index = LogIndex(data: Data((lines.joined(separator: "\n") + "\n").utf8), path: "t.jsonl")
        index.build()
        return AppState(index: index.snapshot(), size: Size(width: 120, height: 32), clock: Fixture.clock)
    }

    @Test func theUsagePaneSaysWhatDisagreesAndByHowMuch() {
        var state = Self.state()
        state.selectEntry(1)
        #expect(CostViewTests.usage(state).contains("⚠ cached 9 > prompt 4 (by +5)"))
        state.selectEntry(0)
        #expect(!CostViewTests.usage(state).contains("⚠"))
    }

    @Test func theListMarksTheTokensOfARecordThatDoesNotAddUp() throws {
        let screen = Self.state().screen
        #expect(CostViewTests.row(screen, "cached")?.contains("≠5") == true)
        #expect(CostViewTests.row(screen, "fine")?.contains("≠") == false)
    }

    @Test func uKeepsOnlyRecordsWhoseUsageDoesNotAddUpAndAgainUndoes() {
        var state = Self.state()
        state.pressSettling(.char("U"))
        #expect(state.entries.count == 1)
        #expect(state.logFilter.summary == "usage ≠")
        state.pressSettling(.char("U"))
        #expect(state.entries.count == 2)
    }
}

/// Confidence per choice in the Choices pane.
@Suite struct ConfidenceViewTests {
    @Test func theChoicesPaneShowsPerplexityAndTheLeastLikelyToken() throws {
        let state = try Fixture.state("openai-text-completion.json", width: 200, height: 50)
        let logprobs = try #require(state.records.first?.choices.first?.logprobs)
        let c = try #require(logprobs.confidence)
        let row = try #require(CostViewTests.row(state.screen, "#0"))
        #expect(row.contains(ChoicesView.confidenceText(c)))
        #expect(row.contains(String(format: "ppl %.2f", c.perplexity)))
        #expect(row.contains("@\(c.leastPosition + 1)"), "counted from 1, as the token view counts")
    }

    @Test func aNarrowPaneKeepsTheTextInstead() throws {
        let state = try Fixture.state("openai-text-completion.json", width: 80, height: 24)
        #expect(CostViewTests.row(state.screen, "#0")?.contains("ppl") == false)
    }
}
