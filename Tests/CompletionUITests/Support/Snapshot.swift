import CompletionCore
import CompletionUI
import Foundation
import Testing

/// Snapshot texts live in `Snapshots/` beside the tests; `SNAPSHOT_RECORD=1 swift test` re-records them.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Snapshots")

    static var recording: Bool { ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1" }

    /// Compares a frame with the stored snapshot `name.txt`: its text, then its style layer (one letter
    /// per cell, aligned with the text) and the legend of those letters. Focus, selection, marks, matches,
    /// diff emphasis and probability shading are styles: they are part of what is recorded.
    static func assert(_ grid: Grid, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        assert(grid.text + "\n" + styleLayer(grid), named: name, sourceLocation: sourceLocation)
    }

    /// The style of every cell as a letter (`.` for plain; letters in order of first appearance, so the
    /// same frame always gives the same layer), followed by the legend.
    static func styleLayer(_ grid: Grid) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var letters: [Style: Character] = [.plain: "."]
        var legend: [(Character, Style)] = []
        var rows: [String] = []
        for y in 0..<grid.height {
            var row = ""
            var previous: Character = "."
            for x in 0..<grid.width {
                let cell = grid[x, y]
                // The second half of a wide character has the first half's style.
                if cell.width == 0 { row.append(previous); continue }
                let letter: Character
                if let known = letters[cell.style] {
                    letter = known
                } else {
                    letter = legend.count < alphabet.count ? alphabet[legend.count] : "?"
                    letters[cell.style] = letter
                    legend.append((letter, cell.style))
                }
                row.append(letter)
                previous = letter
            }
            rows.append(row)
        }
        let key = legend.map { "\($0.0) \(describe($0.1))" }
        return "--- styles\n" + rows.joined(separator: "\n") + "\n--- legend\n" + (key.isEmpty ? "(plain only)" : key.joined(separator: "\n"))
    }

    static func describe(_ s: Style) -> String {
        var parts: [String] = []
        if let fg = s.fg { parts.append("fg:\(fg)") }
        if let bg = s.bg { parts.append("bg:\(bg)") }
        if s.bold { parts.append("bold") }
        if s.dim { parts.append("dim") }
        if s.reverse { parts.append("reverse") }
        if s.underline { parts.append("underline") }
        return parts.joined(separator: " ")
    }

    /// Compares text with the stored snapshot `name.txt`, showing a line diff on mismatch.
    static func assert(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name + ".txt")
        let actual = text + "\n"
        if recording {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do { try actual.write(to: url, atomically: true, encoding: .utf8) } catch {
                Issue.record("could not write snapshot \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing snapshot \(name).txt; run with SNAPSHOT_RECORD=1 to record it.\nActual:\n\(actual)", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record("snapshot \(name).txt differs (- expected, + actual):\n\(lineDiff(expected, actual))", sourceLocation: sourceLocation)
        }
    }

    /// The lines that differ, by position: enough to see what moved on a fixed-size screen.
    static func lineDiff(_ a: String, _ b: String) -> String {
        let la = a.split(separator: "\n", omittingEmptySubsequences: false)
        let lb = b.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(la.count, lb.count) {
            let x = i < la.count ? String(la[i]) : nil
            let y = i < lb.count ? String(lb[i]) : nil
            if x != y {
                if let x { out.append(String(format: "%3d - ", i + 1) + x) }
                if let y { out.append(String(format: "%3d + ", i + 1) + y) }
            }
        }
        return out.joined(separator: "\n")
    }
}

/// Fixtures: samples loaded with repository-relative paths, and a fixed clock so snapshots are the same
/// anywhere, any day.
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// 2025-07-01T12:00:00Z, after every sample's creation time, seen from UTC+1.
    static let clock = Clock(now: Date(timeIntervalSince1970: 1_751_371_200), timeZone: TimeZone(secondsFromGMT: 3600) ?? .current)

    static func load(_ sample: String) throws -> (records: [CompletionRecord], diagnostics: [Diagnostic]) {
        let url = root.appendingPathComponent("Samples").appendingPathComponent(sample)
        let text = try String(contentsOf: url, encoding: .utf8)
        return RecordLoader.loadAll(text: text, path: "Samples/" + sample)
    }

    static func state(_ sample: String, width: Int = 100, height: Int = 30) throws -> AppState {
        let loaded = try load(sample)
        return AppState(records: loaded.records, diagnostics: loaded.diagnostics, paths: ["Samples/" + sample],
                        size: Size(width: width, height: height), clock: clock)
    }

    static func state(records: [CompletionRecord], width: Int = 100, height: Int = 30) -> AppState {
        AppState(records: records, diagnostics: [], paths: ["test.json"], size: Size(width: width, height: height), clock: clock)
    }
}

extension AppState {
    /// Sends keys through the reducer, as the run loop would.
    mutating func press(_ keys: Key...) {
        for k in keys { reduce(.key(k)) }
    }

    mutating func type(_ text: String) {
        for c in text { reduce(.key(.char(c))) }
    }

    var screen: String { Screen.render(self).text }

    /// The frame the run loop would draw.
    var frame: Grid { Screen.render(self) }
}
