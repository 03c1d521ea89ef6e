import CompletionCore
@testable import CompletionProgram
import CompletionUI
import Foundation
import Testing

enum Samples {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples")

    static func loaded(_ name: String) throws -> LoadedSession {
        let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
        let (records, diagnostics) = RecordLoader.loadAll(text: text, path: "Samples/" + name)
        return LoadedSession(records: records, diagnostics: diagnostics, paths: ["Samples/" + name])
    }

    static func indexed(_ name: String) throws -> IndexSession {
        let index = try LogIndex(path: root.appendingPathComponent(name).path)
        index.build()
        return IndexSession(index: index, follow: false)
    }
}

/// A fixed clock, so frames do not depend on the day the tests run.
let testOptions = Program.Options(clock: Clock(now: Date(timeIntervalSince1970: 1_751_371_200), timeZone: TimeZone(secondsFromGMT: 0) ?? .current),
                                  idlePoll: 0, busyPoll: 0)

/// The program's loop against a scripted terminal: exit statuses, effects, background results, frames.
@Suite struct ProgramTests {
    @Test func qQuitsWithStatusZeroAndRestoresTheTerminalOnce() throws {
        let terminal = TestTerminal([.key(.char("j")), .key(.char("q"))])
        let outcome = Program.run(try Samples.loaded("log-200.jsonl"), terminal: terminal, options: testOptions)
        #expect(outcome.status == 0)
        #expect(terminal.shutDown == 1)
        #expect(terminal.lastScreen.contains("record 2/200"))
    }

    @Test(arguments: [(SIGTERM, 143), (SIGHUP, 129), (SIGINT, 130)] as [(Int32, Int32)])
    func aSignalEndsWith128PlusItsNumber(signal: Int32, status: Int32) throws {
        let terminal = TestTerminal([.key(.char("j")), .signal(signal), .key(.char("j"))])
        #expect(Program.run(try Samples.loaded("log-200.jsonl"), terminal: terminal, options: testOptions).status == status)
        #expect(terminal.shutDown == 1)
        // The key after the signal was never read.
        #expect(terminal.lastScreen.contains("record 2/200"))
    }

    @Test func copyGoesToTheTerminalAndItsAnswerToTheStatusBar() throws {
        let terminal = TestTerminal([.key(.char("y")), .tick])
        _ = Program.run(try Samples.loaded("openai-text-completion.json"), terminal: terminal, options: testOptions)
        let copied = try #require(terminal.copied.first)
        #expect(!copied.isEmpty)
        #expect(terminal.frames.contains { $0.text.contains("Copied \(copied.count) characters") })
    }

    @Test func keysAreHandledWhileAFilterRunsAndItsResultArrivesLate() throws {
        let held = HeldJobs()
        let terminal = TestTerminal([
            .key(.char("T")), .key(.char("j")), .key(.char("j")),
            .run { held.finishAll() }, .tick,
        ])
        let session = try Samples.indexed("log-200.jsonl")
        _ = Program.run(session, terminal: terminal, mailbox: Mailbox(runner: held.runner), options: testOptions)
        // While the filter was out, the rows moved with j and the status bar said so.
        let during = terminal.frames[3].text
        #expect(during.contains("filtering…"))
        #expect(during.contains("record 3"))
        let truncated = session.index.snapshot()
        var expected = 0
        for i in 0..<truncated.count {
            if case .success(let r) = truncated.record(at: i), r.choices.contains(where: { $0.finishReason == "length" }) { expected += 1 }
        }
        #expect(expected > 0)
        #expect(terminal.lastScreen.contains("\(expected) of 200 records"))
        #expect(!terminal.lastScreen.contains("filtering…"))
    }

    @Test func aResultForAFilterThatWasReplacedIsDropped() throws {
        let held = HeldJobs()
        // T on, T off before either job finishes; the results then arrive, the older last.
        let terminal = TestTerminal([.key(.char("T")), .key(.char("T")), .run { held.finishAll(reversed: true) }, .tick, .tick])
        _ = Program.run(try Samples.indexed("log-200.jsonl"), terminal: terminal, mailbox: Mailbox(runner: held.runner), options: testOptions)
        #expect(terminal.lastScreen.contains("record 1/200"))
        #expect(!terminal.lastScreen.contains("truncated"))
    }

    @Test func onlyChangedCellsAreWrittenAndTheyMakeTheWholeScreen() throws {
        let terminal = TestTerminal([.key(.char("j")), .key(.char("j")), .resize(Size(width: 80, height: 24)), .key(.char("k")), .key(.tab)])
        _ = Program.run(try Samples.loaded("log-200.jsonl"), terminal: terminal, options: testOptions)
        #expect(terminal.draws.first?.clearsScreen == true)
        let move = terminal.draws[1]
        #expect(!move.clearsScreen)
        #expect(move.cells.count < 100 * 30 / 2, "moving one row rewrote \(move.cells.count) cells")
        // The resize starts again from a clear screen at the new size.
        #expect(terminal.draws[3].clearsScreen)
        #expect(terminal.painted == terminal.frames.last)
    }

    @Test func aRunningJobReportsThroughTheMailboxAndIsCancelledByID() throws {
        let held = HeldJobs()
        let mailbox = Mailbox(runner: held.runner)
        let job = BackgroundJob(id: 7, controlled: { control in .selection(control.isCancelled ? [] : [1, 2]) })
        mailbox.start(job)
        job.control.report(.selection([1]))
        job.control.report(.selection([1, 2]))
        let progress = mailbox.take()
        #expect(progress.count == 1, "reports of one job not taken yet are one")
        guard case .jobProgress(let result)? = progress.first, case .selection(let rows) = result.value else {
            Issue.record("no progress posted")
            return
        }
        #expect(result.id == 7 && rows == [1, 2])
        mailbox.cancel(job: 7)
        #expect(job.control.isCancelled)
        job.control.report(.selection([3]))
        #expect(mailbox.take().isEmpty, "a cancelled job reports nothing more")
        held.finishAll()
        guard case .jobFinished(let finished)? = mailbox.take().first, case .selection(let last) = finished.value else {
            Issue.record("no result posted")
            return
        }
        #expect(last.isEmpty)
    }

    @Test func updatesOfOneSourceAreCoalescedAndOthersKept() throws {
        let mailbox = Mailbox(runner: { _, _ in })
        let session = try Samples.indexed("log-200.jsonl")
        let snapshot = session.index.snapshot()
        mailbox.post(.indexUpdated(IndexUpdate(snapshot: snapshot, firstChanged: 40)))
        mailbox.post(.notice("saved", isError: false))
        mailbox.post(.indexUpdated(IndexUpdate(snapshot: snapshot, firstChanged: 10)))
        mailbox.post(.indexUpdated(IndexUpdate(snapshot: snapshot, firstChanged: 70)))
        mailbox.post(.live(.bytes(run: 1, Array("data: {".utf8), at: 1)))
        mailbox.post(.live(.bytes(run: 1, Array("}\n\n".utf8), at: 2)))
        mailbox.post(.live(.started(run: 2, at: 3)))
        mailbox.post(.live(.bytes(run: 2, [0x7B], at: 4)))
        let actions = mailbox.take()
        #expect(actions.count == 5)
        guard case .indexUpdated(let u) = actions[0] else { Issue.record("index update first"); return }
        #expect(u.firstChanged == 10)
        guard case .notice = actions[1] else { Issue.record("the notice kept in its place"); return }
        // Bytes of one run that arrived together are fed together, in order; another run's are not mixed in.
        #expect(actions[2] == .live(.bytes(run: 1, Array("data: {}\n\n".utf8), at: 2)))
        #expect(actions[3] == .live(.started(run: 2, at: 3)))
        #expect(actions[4] == .live(.bytes(run: 2, [0x7B], at: 4)))
        #expect(mailbox.take().isEmpty)
    }

    @Test func aComparisonOpenedAtStartIsTheFirstFrame() throws {
        let (a, _) = RecordLoader.loadAll(text: #"{"id":"a","choices":[{"index":0,"text":"the fog had lifted","finish_reason":"stop"}]}"#, path: "a.json")
        let (b, _) = RecordLoader.loadAll(text: #"{"id":"b","choices":[{"index":0,"text":"the fog had gone","finish_reason":"stop"}]}"#, path: "b.json")
        let session = LoadedSession(records: a + b, diagnostics: [], paths: ["a.json", "b.json"], compare: (0, 1))
        let terminal = TestTerminal([.key(.char("n")), .key(.escape)])
        _ = Program.run(session, terminal: terminal, options: testOptions)
        #expect(terminal.frames[0].text.contains("lifted"))
        #expect(terminal.frames[0].text.contains("gone"))
        #expect(terminal.frames[0].text.contains("diff"))
        #expect(!terminal.lastScreen.contains("│ diff"))
    }

    @Test func qQuitsFromTheComparisonTheProgramOpenedOn() throws {
        let (a, _) = RecordLoader.loadAll(text: #"{"id":"a","choices":[{"index":0,"text":"the fog had lifted","finish_reason":"stop"}]}"#, path: "a.json")
        let (b, _) = RecordLoader.loadAll(text: #"{"id":"b","choices":[{"index":0,"text":"the fog had gone","finish_reason":"stop"}]}"#, path: "b.json")
        let session = LoadedSession(records: a + b, diagnostics: [], paths: ["a.json", "b.json"], compare: (0, 1))
        // After q nothing more is read: the j would move in the inspector if q had only closed the diff.
        let terminal = TestTerminal([.key(.char("q")), .key(.char("j"))])
        let outcome = Program.run(session, terminal: terminal, options: testOptions)
        #expect(outcome.status == 0)
        #expect(terminal.frames.count == 2)
        #expect(terminal.lastScreen.contains("│ diff") || terminal.lastScreen.contains(" diff "))
    }
}

/// ^Z and ^L: the terminal is handed back and taken again, and what follows is a whole frame.
@Suite struct SuspendTests {
    @Test func controlZSuspendsThroughTheTerminalAndRedrawsEverythingOnReturn() throws {
        let terminal = TestTerminal([.key(.char("j")), .key(.control("z")), .tick])
        let outcome = Program.run(try Samples.loaded("log-200.jsonl"), terminal: terminal, options: testOptions)
        #expect(outcome.status == 0)
        #expect(terminal.suspended == 1)
        // After the first frame, the frame after coming back is written whole onto a cleared screen.
        let back = try #require(terminal.draws.dropFirst().first { $0.clearsScreen })
        #expect(back.frame.text.contains("record 2/200"))
        #expect(terminal.painted.text == terminal.lastScreen)
    }

    @Test func aResizeWhileSuspendedIsSeenOnReturn() throws {
        let terminal = TestTerminal([.key(.control("z")), .tick])
        terminal.sizeAfterSuspend = Size(width: 70, height: 20)
        _ = Program.run(try Samples.loaded("log-200.jsonl"), terminal: terminal, options: testOptions)
        let back = try #require(terminal.draws.dropFirst().first { $0.clearsScreen })
        #expect(back.frame.width == 70 && back.frame.height == 20)
    }

    @Test func controlLWritesEveryCellAgain() throws {
        let terminal = TestTerminal([.key(.char("j")), .key(.control("l")), .tick])
        _ = Program.run(try Samples.loaded("log-200.jsonl"), terminal: terminal, options: testOptions)
        #expect(terminal.suspended == 0)
        #expect(!terminal.draws[1].clearsScreen)
        #expect(terminal.draws.dropFirst(2).contains { $0.clearsScreen })
    }
}

/// `v`: the record as written goes to the pager, and the screen is written whole afterwards.
@Suite struct PagerTests {
    @Test func vPagesTheRecordAndRedrawsEverythingAfter() throws {
        let held = HeldJobs()
        let terminal = TestTerminal([.key(.char("v")), .run { held.finishAll() }, .tick, .tick])
        _ = Program.run(try Samples.loaded("openai-text-completion.json"), terminal: terminal, mailbox: Mailbox(runner: held.runner), options: testOptions)
        let text = try String(contentsOf: Samples.root.appendingPathComponent("openai-text-completion.json"), encoding: .utf8)
        #expect(terminal.paged == [text.hasSuffix("\n") ? text : text + "\n"])
        #expect(terminal.draws.dropFirst().contains { $0.clearsScreen })
    }

    @Test func aLiveSourceWaitsWhileTheLoopHasNotTakenItsBytes() throws {
        let mailbox = Mailbox(runner: { _, _ in })
        mailbox.post(.live(.bytes(run: 1, [UInt8](repeating: 0x61, count: Mailbox.liveBytesLimit), at: 1)))
        let returned = DispatchSemaphore(value: 0)
        Thread { mailbox.waitForLiveRoom(); returned.signal() }.start()
        // Held while the bytes wait for the loop…
        #expect(returned.wait(timeout: .now() + 0.5) == .timedOut)
        // …and let go once the loop takes them.
        #expect(mailbox.take().count == 1)
        #expect(returned.wait(timeout: .now() + 5) == .success)
        // Below the limit it does not wait at all.
        mailbox.post(.live(.bytes(run: 1, [0x61], at: 2)))
        mailbox.waitForLiveRoom()
    }
}
