import CompletionCore
import CompletionUI
import Foundation
import Testing

/// Key-handling time, for the report: runs only with `COMPLETION_TUI_BENCH=1` and asserts nothing about speed.
@Suite struct KeyBenchmark {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["COMPLETION_TUI_BENCH"] == "1", "set COMPLETION_TUI_BENCH=1 to measure"))
    func medianKeyTimeAt200x60() throws {
        var state = try Fixture.state("log-200.jsonl", width: 200, height: 60)
        let keys: [Key] = [.char("j"), .char("j"), .char("]"), .tab, .char("j"), .char("k"), .tab, .char("G"), .char("g"), .char("["), .char("t"), .char("l"), .char("t"), .backTab]
        var grid = Grid(width: 200, height: 60)
        var times: [Double] = []
        times.reserveCapacity(1000)
        for i in 0..<1000 {
            let start = DispatchTime.now().uptimeNanoseconds
            state.reduce(.key(keys[i % keys.count]))
            grid = Screen.render(state)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        #expect(grid.width == 200)
        times.sort()
        print(String(format: "key handling at 200x60 over 1000 keys: median %.3f ms, p95 %.3f ms, max %.3f ms", times[500], times[950], times[999]))

        // A 2 MB text: scrolling keys in the text pane.
        var text = ""
        for i in 0..<20_000 { text += "row \(i) " + String(repeating: "x", count: 90) + "\n" }
        let big = CompletionRecord(kind: .textCompletion, choices: [Choice(index: 0, text: text)], source: RecordSource(path: "big.json", line: 1))
        var bigState = Fixture.state(records: [big], width: 200, height: 60)
        let scrollKeys: [Key] = [.char("j"), .pageDown, .char("k"), .pageDown, .char("G"), .pageUp, .char("g")]
        times.removeAll()
        for i in 0..<1000 {
            let start = DispatchTime.now().uptimeNanoseconds
            bigState.reduce(.key(scrollKeys[i % scrollKeys.count]))
            grid = Screen.render(bigState)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        print(String(format: "2 MB text scrolling at 200x60 over 1000 keys: median %.3f ms, p95 %.3f ms, max %.3f ms", times[500], times[950], times[999]))
    }
}
