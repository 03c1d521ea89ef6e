import ArgumentParser
import CompletionCore
import Foundation

/// `completion-tui diff A [B]`: a unified word diff of two responses' texts and their metadata differences.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two responses, or two choices of one response, as a word diff.",
        discussion: """
        Prints the metadata differences (model, system fingerprint, created and the time between, usage \
        with deltas, finish reasons, extra keys) and a word-level diff of each choice pair's text. Exit \
        status, as diff(1): 0 when the compared texts and fields are the same, 1 when they differ, 2 on \
        error. id, created and extra keys are shown but do not count as differences.
        """
    )

    @Argument(help: "The baseline file ('-' for standard input).", completion: .file())
    var old: String

    @Argument(help: "The file to compare with; omit it to compare two records (--record) or two choices (--choice) of the first file.", completion: .file())
    var new: String?

    @Option(name: .long, help: ArgumentHelp("Choices to compare: I compares choice I of both; I:J compares choice I of the old with choice J of the new.", valueName: "I[:J]"))
    var choice: String?

    @Option(name: .long, help: ArgumentHelp("Records to compare (1-based) when a file holds several: I, or I:J.", valueName: "I[:J]"))
    var record: String?

    @Flag(name: [.customLong("ignore-whitespace"), .customShort("w")], help: "Treat runs of white space as equal.")
    var ignoreWhitespace = false

    @Option(name: .long, help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorChoice = .auto

    enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    func validate() throws {
        // One file is enough when --choice or --record says what of it to compare.
        if new == nil && choice == nil && record == nil {
            throw ValidationError("give a second file, --record I:J to compare two records of a log, or --choice I:J to compare two choices of one response.")
        }
        if old == "-" && new == "-" {
            throw ValidationError("standard input ('-') can be read only once.")
        }
        if let choice, Self.pair(choice) == nil { throw ValidationError("--choice takes I or I:J with whole numbers, e.g. 0:1.") }
        if let record, Self.pair(record) == nil { throw ValidationError("--record takes I or I:J with whole numbers, e.g. 1:2.") }
    }

    static func pair(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let first = Int(parts[0]), first >= 0 else { return nil }
        guard parts.count == 2 else { return (first, first) }
        guard let second = Int(parts[1]), second >= 0 else { return nil }
        return (first, second)
    }

    func run() throws {
        let recordPair = record.flatMap(Self.pair) ?? (1, 1)
        // Without a second file (or with the same one), both sides come from the first.
        let newPath = new ?? old
        let oldRecords = try load(old, upTo: max(1, newPath == old ? max(recordPair.0, recordPair.1) : recordPair.0))
        let newRecords = newPath == old ? oldRecords : try load(newPath, upTo: max(1, recordPair.1))
        guard let a = pick(oldRecords, recordPair.0, path: old),
              let b = pick(newRecords, recordPair.1, path: newPath) else { throw ExitCode(2) }
        var pairs: [(Int, Int)]?
        if let choice, let p = Self.pair(choice) {
            for (record, index, path) in [(a, p.0, old), (b, p.1, newPath)] where !record.choices.contains(where: { $0.index == index }) {
                StandardError.print("\(path):\(record.source.line): error: the response has no choice \(index) (choices: \(record.choices.map { String($0.index) }.joined(separator: ", ")))")
                throw ExitCode(2)
            }
            pairs = [p]
        }
        let comparison = RecordComparison(old: a, new: b, pairs: pairs, options: ComparisonOptions(ignoreWhitespace: ignoreWhitespace))
        let useColor: Bool
        switch color {
        case .always: useColor = true
        case .never: useColor = false
        case .auto: useColor = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
        }
        let text = DiffReport(color: useColor).render(comparison, oldLabel: "\(a.source)", newLabel: "\(b.source)")
        var out = StandardOutput()
        out.write(Array(text.utf8))
        out.flush()
        if !comparison.isEqual { throw ExitCode(1) }
    }

    /// The records of a file up to the `needed`-th (1-based), and how many there are: a file is read to its end
    /// to count them, keeping none past the one asked for; a stream stops being read once it has arrived.
    /// Problems are written as they are found.
    private func load(_ path: String, upTo needed: Int) throws -> (kept: [CompletionRecord], count: Int) {
        var kept: [CompletionRecord] = []
        var count = 0
        RecordLoader.load(path: path, sink: { event in
            switch event {
            case .record(let r):
                count += 1
                if kept.count < needed { kept.append(r) }
            case .diagnostic(let d): StandardError.print(d.description)
            }
        }, stop: { _, _ in kept.count >= needed })
        if count == 0 { throw ExitCode(2) }
        return (kept, count)
    }

    private func pick(_ records: (kept: [CompletionRecord], count: Int), _ number: Int, path: String) -> CompletionRecord? {
        guard number >= 1, number <= records.kept.count else {
            StandardError.print("\(path): error: there is no record \(number); the file holds \(records.count)")
            return nil
        }
        return records.kept[number - 1]
    }
}
