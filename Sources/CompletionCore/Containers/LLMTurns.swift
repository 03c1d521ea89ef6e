import Foundation

/// Reads the message store llm writes from 0.32 on: one record per row of `turns`.
///
/// A turn is one model call. Its output is the chain of messages from `tip_message_hash` back to (not
/// including) `parent_message_hash`; its prompt is the parent message, and the system prompt the nearest
/// `system` message above it. Part text lives in `parts.text`, or in `fragments` through `part_fragments`
/// when llm stored it once for many turns.
struct TurnReader {
    let db: SQLiteFile
    let tables: Set<String>
    let report: (Diagnostic) -> Void

    /// The longest chain walked from one message to the root: a loop in a damaged database ends here.
    static let maxChain = 100_000

    struct Message {
        var hash: String
        var parent: String?
        var role: String
        var providerMetadata: JSONValue?
        var parts: [Part] = []
    }

    struct Part {
        var type: String
        var toolName: String?
        var text: String?
        var payload: JSONObject
    }

    func read(rowids: [Int64], _ emit: (CompletionRecord) -> Void) throws(Diagnostic) {
        var turns: [(rowid: Int64, columns: LLMLogs.RowColumns)] = []
        var skipped: [(Int64, String)] = []
        try LLMLogs.rows(db, table: "turns", rowids: rowids, report: report) { rowid, row in
            let columns = LLMLogs.RowColumns(row: row, skipFirst: true)
            if let column = columns.tooLong { skipped.append((rowid, column)) } else { turns.append((rowid, columns)) }
        }
        for (rowid, column) in skipped {
            report(Diagnostic(path: db.path, line: nil, column: nil, message: RecordLimits.tooLong("row's \(column) column", limit: RecordLimits.maxRecordBytes), place: .row(table: "turns", row: rowid)))
        }
        let tools = tables.contains("turn_tools") && tables.contains("tools")
        let schemas = tables.contains("schemas")
        var walk = PromptWalk()
        for (rowid, var columns) in turns {
            let place = ContainerPlace.row(table: "turns", row: rowid)
            do throws(Diagnostic) {
                let parent = columns.string("parent_message_hash")
                let output = try chain(from: columns.string("tip_message_hash"), stoppingAt: parent, place: place, &walk)
                var text: String?
                var reasoning: [String] = []
                var calls: [JSONValue] = []
                for message in output where message.role == "assistant" {
                    for part in message.parts {
                        switch part.type {
                        case "text": text = (text ?? "") + (part.text ?? "")
                        case "reasoning": if let t = part.text { reasoning.append(t) }
                        case "tool_call": calls.append(Self.toolCall(part))
                        default: break
                        }
                    }
                }
                columns.values.append((name: "response", value: text.map(JSONValue.string) ?? .null))
                var replacements: [String: JSONValue] = [:]
                if case .string? = columns.value("response_json") {
                    replacements = Self.replacements(output)
                    if tools, let id = columns.string("id") { try addTools(turn: id, to: &replacements) }
                    if schemas, let id = columns.string("schema_id") { try addSchema(id, to: &replacements) }
                }
                var record = LLMLogs.build(columns: &columns, responseKey: "response", payloadKey: "response_json", path: db.path,
                                           place: place, report: report, replacements: replacements,
                                           reasoning: reasoning.isEmpty ? nil : reasoning.joined(separator: "\n\n"))
                if !calls.isEmpty, var choice = record.choices.first, var message = choice.message, message["tool_calls"] == nil {
                    message.append("tool_calls", .array(calls))
                    choice.message = message
                    record.choices[0] = choice
                }
                record.prompt = try prompt(parent: parent, place: place, &walk)
                emit(record)
            } catch {
                report(error)
            }
        }
    }

    /// Messages from `tip` up to (not including) `stop`, oldest first, with their parts.
    private func chain(from tip: String?, stoppingAt stop: String?, place: ContainerPlace, _ walk: inout PromptWalk) throws(Diagnostic) -> [Message] {
        var out: [Message] = []
        var seen: Set<String> = []
        var next = tip
        while let hash = next, hash != stop {
            guard seen.insert(hash).inserted else {
                throw Diagnostic(path: db.path, line: nil, column: nil, message: "the turn's messages form a loop at message \(hash)", place: place)
            }
            guard out.count < Self.maxChain else {
                throw Diagnostic(path: db.path, line: nil, column: nil, message: "the turn's messages do not end (more than \(Self.maxChain))", place: place)
            }
            guard let message = try cached(hash, &walk) else {
                throw Diagnostic(path: db.path, line: nil, column: nil, message: "the turn names message \(hash), which is not in the messages table", place: place)
            }
            out.append(message)
            next = message.parent
        }
        out.reverse()
        return out
    }

    private func message(_ hash: String) throws(Diagnostic) -> Message? {
        var found: Message?
        try db.query("SELECT hash, parent_hash, role, provider_metadata FROM messages WHERE hash = ?", [.text(hash)]) { row in
            found = Message(hash: row.text(0) ?? hash, parent: row.text(1), role: row.text(2) ?? "",
                            providerMetadata: row.text(3).flatMap { try? JSONParser.parse($0) })
            return false
        }
        guard var message = found else { return nil }
        var parts: [(id: Int64, part: Part)] = []
        try db.query("SELECT id, type, tool_name, text, payload FROM parts WHERE message_hash = ? ORDER BY position", [.text(hash)]) { row in
            let payload = row.text(4).flatMap { try? JSONParser.parse($0) }?.objectValue ?? JSONObject()
            parts.append((row.int(0) ?? 0, Part(type: row.text(1) ?? "", toolName: row.text(2), text: row.text(3), payload: payload)))
            return true
        }
        for i in parts.indices where parts[i].part.text == nil && tables.contains("part_fragments") && tables.contains("fragments") {
            var pieces: [String] = []
            try db.query("SELECT f.content FROM part_fragments pf JOIN fragments f ON f.id = pf.fragment_id WHERE pf.part_id = ? ORDER BY pf.\"order\"", [.int(parts[i].id)]) { row in
                if let t = row.text(0) { pieces.append(t) }
                return true
            }
            if !pieces.isEmpty { parts[i].part.text = pieces.joined() }
        }
        message.parts = parts.map(\.part)
        return message
    }

    /// What prompts are made of, kept across the turns of one read: the turns of a thread share their
    /// messages, and walking each turn's way up to the root (two queries a message) was quadratic in the
    /// thread's length (400 turns took 8 s, 1,000 more than 30 s).
    struct PromptWalk {
        /// Messages read so far, for turns' outputs and prompts alike (a turn without a parent message, or
        /// one off its chain, walks to the thread's root, and 2,000 such turns took more than 30 s).
        var messages: [String: Message] = [:]
        /// The nearest system message at or above a message (nil: none).
        var system: [String: PromptMessage?] = [:]
    }

    /// A message with its parts, read once per read of turns.
    private func cached(_ hash: String, _ walk: inout PromptWalk) throws(Diagnostic) -> Message? {
        if let m = walk.messages[hash] { return m }
        guard let m = try message(hash) else { return nil }
        walk.messages[hash] = m
        return m
    }

    /// A message's role, parent and the text of its text parts, as a prompt shows it.
    private func light(_ hash: String, _ walk: inout PromptWalk) throws(Diagnostic) -> (role: String, parent: String?, text: String)? {
        try cached(hash, &walk).map { m in (role: m.role, parent: m.parent, text: m.parts.filter { $0.type == "text" }.compactMap(\.text).joined()) }
    }

    /// The parent message's text (and the messages above it up to the user's), and the nearest system prompt
    /// above it. A loop among the messages ends the walk, and is reported.
    private func prompt(parent: String?, place: ContainerPlace, _ walk: inout PromptWalk) throws(Diagnostic) -> [PromptMessage] {
        var reported = false
        func loop(_ hash: String) {
            guard !reported else { return }
            reported = true
            report(Diagnostic(path: db.path, line: nil, column: nil, message: "the prompt's messages form a loop at message \(hash)", place: place))
        }
        func missing(_ hash: String) {
            guard !reported else { return }
            reported = true
            report(Diagnostic(path: db.path, line: nil, column: nil,
                              message: "the prompt names message \(hash), which is not in the messages table; the prompt stops there", place: place))
        }
        var seen: Set<String> = []
        /// The message at `hash` on a walk up, or nil where the walk ends at a loop or a missing message.
        func visit(_ hash: String) throws(Diagnostic) -> (role: String, parent: String?, text: String)? {
            guard seen.insert(hash).inserted else {
                loop(hash)
                return nil
            }
            guard let m = try light(hash, &walk) else {
                missing(hash)
                return nil
            }
            return m
        }
        // Up to the first user message, stopping before a system message.
        var leading: [PromptMessage] = []
        var next = parent
        while let hash = next, leading.count < Self.maxChain {
            guard let m = try visit(hash), m.role != "system" else { break }
            leading.append(PromptMessage(role: m.role, text: m.text))
            if m.role == "user" { break }
            next = m.parent
        }
        // The nearest system message above, from what earlier turns found on the way.
        var path: [String] = []
        var found: PromptMessage?
        seen = []
        next = parent
        while let hash = next, path.count < Self.maxChain {
            if let known = walk.system[hash] {
                found = known
                break
            }
            guard let m = try visit(hash) else { break }
            path.append(hash)
            if m.role == "system" {
                found = PromptMessage(role: "system", text: m.text)
                break
            }
            next = m.parent
        }
        for hash in path { walk.system.updateValue(found, forKey: hash) }
        return (found.map { [$0] } ?? []) + leading
    }

    private static func toolCall(_ part: Part) -> JSONValue {
        var function = JSONObject()
        function.append("name", (part.toolName ?? part.payload["name"]?.stringValue).map(JSONValue.string) ?? .null)
        if let args = part.payload["arguments"] {
            function.append("arguments", .string(args.stringValue ?? JSONWriter.compact(args)))
        }
        var call = JSONObject()
        if let id = part.payload.first(["tool_call_id", "id"]) { call.append("id", id) }
        call.append("type", .string("function"))
        call.append("function", .object(function))
        return .object(call)
    }

    // MARK: - condense-json replacements, rebuilt as llm does on reading

    /// llm only offers strings of 64 characters or more (and containers whose compact JSON is as long).
    static let minimumLength = 64

    /// The replacements llm condensed the payload against: the output messages' part texts, outputs,
    /// tool arguments and provider metadata, keyed `message.part.field`.
    static func replacements(_ output: [Message]) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        func add(_ key: String, _ value: JSONValue?) {
            if case .string(let s)? = value, s.unicodeScalars.count >= minimumLength { out[key] = value }
        }
        func addValue(_ key: String, _ value: JSONValue) {
            switch value {
            case .object(let o) where !o.isEmpty:
                if PythonJSON.dumps(value, compact: true).unicodeScalars.count >= minimumLength { out[key] = value }
            case .array(let a) where !a.isEmpty:
                if PythonJSON.dumps(value, compact: true).unicodeScalars.count >= minimumLength { out[key] = value }
            default: break
            }
        }
        func walk(_ prefix: String, _ value: JSONValue) {
            switch value {
            case .object(let o):
                addValue(prefix, value)
                for e in o { walk("\(prefix).\(e.key)", e.value) }
            case .array(let a):
                addValue(prefix, value)
                for (i, v) in a.enumerated() { walk("\(prefix).\(i)", v) }
            default:
                add(prefix, value)
            }
        }
        for (mi, message) in output.enumerated() {
            for (pi, part) in message.parts.enumerated() {
                let base = "\(mi).\(pi)"
                add("\(base).text", part.text.map(JSONValue.string))
                add("\(base).output", part.payload["output"])
                if let args = part.payload["arguments"], !args.isNull, args != .object(JSONObject()) {
                    let compact = PythonJSON.dumps(args, compact: true)
                    let spaced = PythonJSON.dumps(args, compact: false)
                    add("\(base).args", .string(compact))
                    if spaced != compact { add("\(base).args2", .string(spaced)) }
                    addValue("\(base).argsv", args)
                }
                walk("\(base).pm", part.payload["provider_metadata"] ?? .object(JSONObject()))
            }
            walk("\(mi).pm", message.providerMetadata ?? .object(JSONObject()))
        }
        return out
    }

    private func addTools(turn: String, to out: inout [String: JSONValue]) throws(Diagnostic) {
        var seen: [String: String] = [:]
        var conflicting = Set<String>()
        try db.query("SELECT tools.name, tools.description FROM turn_tools JOIN tools ON tools.id = turn_tools.tool_id WHERE turn_tools.turn_id = ?", [.text(turn)]) { row in
            guard let name = row.text(0), !name.isEmpty, let d = row.text(1), d.unicodeScalars.count >= Self.minimumLength else { return true }
            if let old = seen[name], old != d { conflicting.insert(name) } else { seen[name] = d }
            return true
        }
        for (name, d) in seen where !conflicting.contains(name) { out["tool.\(name).description"] = .string(d) }
    }

    private func addSchema(_ id: String, to out: inout [String: JSONValue]) throws(Diagnostic) {
        try db.query("SELECT content FROM schemas WHERE id = ?", [.text(id)]) { row in
            if let text = row.text(0), let value = try? JSONParser.parse(text) {
                switch value {
                case .object(let o) where !o.isEmpty: out["schema"] = value
                case .array(let a) where !a.isEmpty: out["schema"] = value
                default: break
                }
            }
            return false
        }
    }
}

/// condense-json's condensed form, expanded: `{"$": id}` is the replacement, `{"$": {"m", "u", "d"}}` a
/// replacement object patched, `{"$r": [...]}` a string rebuilt from pieces and references, `{"$raw": x}`
/// the literal `x`. A reference to a replacement completion-tui cannot rebuild (a plugin's own boilerplate)
/// is left as written.
enum CondensedJSON {
    static func expand(_ value: JSONValue, _ replacements: [String: JSONValue]) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map { expand($0, replacements) })
        case .object(let object):
            if object.count == 1, let only = object.entries.first {
                switch only.key {
                case "$raw":
                    return only.value
                case "$":
                    if let id = only.value.stringValue, let r = replacements[id] { return r }
                    if let merge = only.value.objectValue, let merged = self.merge(merge, replacements) { return merged }
                    return value
                case "$r":
                    guard let pieces = only.value.arrayValue else { return value }
                    var text = ""
                    for piece in pieces {
                        if let s = piece.stringValue {
                            text += s
                        } else if let id = piece["$"]?.stringValue, case .string(let s)? = replacements[id] {
                            text += s
                        } else {
                            return value
                        }
                    }
                    return .string(text)
                default:
                    break
                }
            }
            var out = JSONObject()
            for e in object { out.append(e.key, expand(e.value, replacements)) }
            return .object(out)
        default:
            return value
        }
    }

    private static func merge(_ ref: JSONObject, _ replacements: [String: JSONValue]) -> JSONValue? {
        guard ref.keys.allSatisfy({ ["m", "u", "d"].contains($0) }), let id = ref["m"]?.stringValue,
              case .object(var base)? = replacements[id] else { return nil }
        for key in ref["d"]?.arrayValue ?? [] {
            if let k = key.stringValue { base.entries.removeAll { $0.key == k } }
        }
        for e in ref["u"]?.objectValue ?? JSONObject() { base.set(e.key, expand(e.value, replacements)) }
        return .object(base)
    }
}

/// JSON text as Python's `json.dumps` writes it (ASCII only, its separators), for matching strings llm
/// made from tool arguments.
enum PythonJSON {
    static func dumps(_ value: JSONValue, compact: Bool) -> String {
        var out = ""
        write(value, compact: compact, &out)
        return out
    }

    private static func write(_ value: JSONValue, compact: Bool, _ out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.text
        case .string(let s): string(s, &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += compact ? "," : ", " }
                write(item, compact: compact, &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, e) in object.entries.enumerated() {
                if i > 0 { out += compact ? "," : ", " }
                string(e.key, &out)
                out += compact ? ":" : ": "
                write(e.value, compact: compact, &out)
            }
            out += "}"
        }
    }

    private static func string(_ s: String, _ out: inout String) {
        out += "\""
        for u in s.utf16 {
            switch u {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(u)))
            default:
                let hex = String(u, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        out += "\""
    }
}
