import Foundation

/// The readable `--print` report of a record: header fields, times, a usage table, each choice and extras.
/// Text from the response is escaped with `VisibleText`, so the report is safe to print on a terminal.
public struct Report {
    /// The current time, for relative ages.
    public var now: Double
    public var timeZone: TimeZone
    /// The table that prices each record with usage (its `cost` lines); nil leaves them out.
    public var prices: PriceTable?

    public init(now: Double = Date().timeIntervalSince1970, timeZone: TimeZone = .current, prices: PriceTable? = nil) {
        self.now = now
        self.timeZone = timeZone
        self.prices = prices
    }

    /// The report of one record, ending with a newline.
    public func render(_ record: CompletionRecord) -> String {
        var out = ""
        let title = "\(record.source)"
        out += "── \(safe(title)) " + String(repeating: "─", count: max(3, 72 - title.count)) + "\n"
        func field(_ name: String, _ value: String?) {
            out += name.padding(toLength: 20, withPad: " ", startingAt: 0) + (value.map(safe) ?? "—") + "\n"
        }
        field("kind", record.kind.rawValue)
        if record.kind != .error || record.id != nil { field("id", record.id) }
        if record.kind != .error || record.object != nil { field("object", record.object) }
        if record.kind != .error || record.model != nil { field("model", record.model) }
        if record.kind != .error || record.systemFingerprint != nil { field("system_fingerprint", record.systemFingerprint) }
        if let created = record.created {
            let pad = String(repeating: " ", count: 20)
            if created.seconds == 0 {
                // Azure's lead chunk and placeholder servers write 0: no time, not 1970.
                out += "created".padding(toLength: 20, withPad: " ", startingAt: 0) + "0 (not set)\n"
            } else if let seconds = created.seconds, let iso = created.iso8601 {
                out += "created".padding(toLength: 20, withPad: " ", startingAt: 0) + "\(iso) (UTC)\n"
                out += pad + "\(TimeText.local(seconds, timeZone: timeZone)) (local)\n"
                out += pad + TimeText.relativeAge(of: seconds, now: now) + "\n"
                out += pad + "raw: \(safe(JSONWriter.compact(created.raw)))\n"
            } else {
                out += "created".padding(toLength: 20, withPad: " ", startingAt: 0) + "\(safe(JSONWriter.compact(created.raw))) (not a time)\n"
            }
        } else if record.kind != .error {
            field("created", nil)
        }
        if let stream = record.stream {
            field("stream", "\(stream.chunkCount) chunk\(stream.chunkCount == 1 ? "" : "s")\(stream.sawDone ? ", ended with [DONE]" : ", no [DONE]")")
        }
        if let error = record.error {
            out += "\nerror\n"
            var rows: [(String, String)] = [
                ("message", error.message ?? "—"),
                ("type", error.type ?? "—"),
                ("code", error.code.map(JSONWriter.compact) ?? "—"),
            ]
            if let param = error.param, !param.isNull { rows.append(("param", JSONWriter.compact(param))) }
            for entry in error.extra { rows.append((entry.key, JSONWriter.compact(entry.value))) }
            // Nested fields (`status`, `innererror`) line up with the others, however long their names.
            let names = rows.map { safe($0.0) }
            let width = names.map { DisplayWidth.of($0) }.max() ?? 0
            for (name, row) in zip(names, rows) {
                out += "  " + name + String(repeating: " ", count: width - DisplayWidth.of(name) + 2) + safe(row.1) + "\n"
            }
        }
        if let usage = record.usage {
            out += "\nusage\n"
            let table = usageTable(usage)
            out += table.text
            if let note = record.kind.usageDerivation { out += "  (" + note + ")\n" }
            if let prices { out += costLines(record, prices: prices, labelWidth: table.labelWidth) }
        }
        if !record.prompt.isEmpty {
            // What a log kept of the request: the system prompt and the prompt, before what answered them.
            out += "\nprompt\n"
            for message in record.prompt {
                out += "  " + safe(message.role) + "\n"
                for line in VisibleText.escape(message.text).split(separator: "\n", omittingEmptySubsequences: false) {
                    out += "  ┊ " + line + "\n"
                }
            }
        }
        for choice in record.choices {
            out += "\n" + choiceHeader(choice) + "\n"
            // The reasoning comes first, as the model wrote it, marked apart from the answer.
            if let reasoning = choice.reasoning, !reasoning.isEmpty {
                out += "  reasoning\n"
                for line in VisibleText.escape(reasoning).split(separator: "\n", omittingEmptySubsequences: false) {
                    out += "  ┆ " + line + "\n"
                }
                out += "  answer\n"
            }
            let text = VisibleText.escape(choice.text)
            if text.isEmpty {
                out += choice.textAbsent ? "  (no text)\n" : "  (empty text)\n"
            } else {
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    out += "  │ " + line + "\n"
                }
            }
            if let refusal = choice.refusal { out += "  refusal: \(safe(refusal))\n" }
            for call in choice.toolCalls { out += "  tool call: \(safe(JSONWriter.compact(call)))\n" }
            let shown = ["role", "refusal", "tool_calls", "toolCalls", "content"] + (choice.reasoningKey.map { [$0] } ?? [])
            for entry in choice.message ?? JSONObject() where !shown.contains(entry.key) {
                out += "  message.\(safe(entry.key)): \(safe(JSONWriter.compact(entry.value)))\n"
            }
            for entry in choice.extra { out += "  \(safe(entry.key)): \(safe(JSONWriter.compact(entry.value)))\n" }
        }
        if !record.extra.isEmpty {
            out += "\nextra\n"
            for entry in record.extra {
                out += "  \(safe(entry.key)): \(safe(JSONWriter.compact(entry.value)))\n"
            }
        }
        return out
    }

    func choiceHeader(_ c: Choice) -> String {
        var parts = ["choice \(c.index)", "finish_reason: \(c.finishReason.map { $0.isEmpty ? "\"\"" : safe($0) } ?? "null")"]
        if let role = c.role { parts.append("role: \(safe(role))") }
        if let lp = c.logprobs { parts.append("logprobs: \(lp.tokens.count) token\(lp.tokens.count == 1 ? "" : "s") (\(lp.shape.rawValue))") }
        return parts.joined(separator: "   ")
    }

    /// Counts right-aligned in a small table, details flattened as `prompt_tokens_details.cached_tokens`.
    /// - Returns: the table, and the display width of its names (the cost's label lines up with them).
    func usageTable(_ u: Usage) -> (text: String, labelWidth: Int) {
        var rows: [(String, String)] = [
            ("prompt", u.promptTokens.map(String.init) ?? "—"),
            ("completion", u.completionTokens.map(String.init) ?? "—"),
            ("total", u.totalTokens.map(String.init) ?? "—"),
        ]
        for entry in u.other {
            if let details = entry.value.objectValue {
                if details.isEmpty { rows.append((entry.key, "{}")) }
                for d in details { rows.append(("\(entry.key).\(d.key)", JSONWriter.compact(d.value))) }
            } else {
                rows.append((entry.key, JSONWriter.compact(entry.value)))
            }
        }
        // Widths of the names and values as shown (escaped), in terminal columns: a key from the input may be
        // wide text or escape to more characters than it has.
        let shown = rows.map { (safe($0.0), safe($0.1)) }
        let nameWidth = shown.map { DisplayWidth.of($0.0) }.max() ?? 0
        let valueWidth = shown.map { DisplayWidth.of($0.1) }.max() ?? 0
        var out = ""
        for (name, value) in shown {
            out += "  " + DisplayWidth.pad(name, to: nameWidth) + "  "
                + String(repeating: " ", count: max(0, valueWidth - DisplayWidth.of(value))) + value + "\n"
        }
        if u.totalMismatch, let p = u.promptTokens, let c = u.completionTokens, let t = u.totalTokens {
            out += "  ! total \(t) ≠ prompt \(p) + completion \(c) (= \(TokenArithmetic.exactSumText(p, c)))\n"
        }
        return (out, nameWidth)
    }

    /// The cost under the usage table, as the inspector's Usage pane gives it: the total and what priced it,
    /// the breakdown, the date of the price; or `no price` and why. Amounts are exact, as `--json` writes
    /// them, and summed in integers where `--json` sums them so (the Decimal route with its formatting took
    /// 14 µs a record, a quarter of `--print`'s time on a 50 MB log).
    /// - Parameter labelWidth: the usage table's name width: the label `cost` is padded to it.
    func costLines(_ record: CompletionRecord, prices: PriceTable, labelWidth: Int) -> String {
        let pad = "  " + DisplayWidth.pad("cost", to: max(4, labelWidth)) + "  "
        let indent = String(repeating: " ", count: pad.count)
        func noPrice() -> String { pad + "no price (" + safe(prices.noPriceReason(of: record)) + ")\n" }
        // The exact amounts as text: total, input, cached (nil when none), output.
        let amounts: (total: String, input: String?, cached: String?, output: String?)
        let date: String?, currency: String, pricedAs: String
        switch prices.exactCost(of: record) {
        case .none:
            return noPrice()
        case .cost(let c):
            amounts = (CostText.text(picos: c.total), CostText.text(picos: c.input), c.cached > 0 ? CostText.text(picos: c.cached) : nil,
                       CostText.text(picos: c.output))
            (date, currency) = (c.priceDate, c.currency)
            // The model the integer route priced, named as the Decimal route names it (the lookup is cached).
            let found = record.model.flatMap { prices.lookup(model: $0, providerHint: prices.providerHint(of: record)) }
            pricedAs = found.map { $0.provider.id + " " + $0.model.id } ?? ""
        case .unsure:
            guard let c = prices.cost(of: record) else { return noPrice() }
            if c.source == .reported { return pad + money(CostText.plain(c.total), c.currency) + ", reported by the response\n" }
            amounts = (CostText.plain(c.total), c.input.map(CostText.plain), c.cached.flatMap { $0 > 0 ? CostText.plain($0) : nil },
                       c.output.map(CostText.plain))
            (date, currency) = (c.priceDate, c.currency)
            pricedAs = [c.provider, c.model].compactMap { $0 }.joined(separator: " ")
        }
        let inCurrency = { (amount: String) in self.money(amount, currency) }
        var out = pad + inCurrency(amounts.total) + (pricedAs.isEmpty ? "" : ", " + safe(pricedAs)) + "\n"
        let parts = CostText.breakdown(input: amounts.input.map(inCurrency), cached: amounts.cached.map(inCurrency), output: amounts.output.map(inCurrency))
        if !parts.isEmpty { out += indent + parts + "\n" }
        out += indent + safe(CostText.priceSource(date: date, origin: prices.origin)) + "\n"
        return out
    }

    /// An exact amount with its currency: `$0.000387`, `0.5 EUR`.
    private func money(_ amount: String, _ currency: String) -> String {
        currency == "USD" ? "$" + amount : amount + " " + safe(currency)
    }

    private func safe(_ s: String) -> String {
        VisibleText.escape(s, .singleLine)
    }
}
