import Foundation

/// A dated table of model prices in the structure of genai-prices' data: providers, model match rules,
/// and prices per million tokens that change on start dates.
///
/// The bundled table is a snapshot of genai-prices (MIT) made by `Cost/tools/make-prices.py`; `--prices FILE`
/// reads another in the same format. Lookups are cached, since a log names few models many times.
public final class PriceTable: @unchecked Sendable {
    /// The package version the table was made from (`0.2.3`), or what another table says.
    public let version: String?
    /// The day the table was taken (`YYYY-MM-DD`).
    public let date: String?
    public let currency: String
    public let providers: [PriceProvider]
    /// Where the table came from, for messages: `genai-prices 0.2.3` or a path.
    public let origin: String

    private let lock = NSLock()
    /// `lookup`'s answers, read by every record's cost on all cores at once: readers share the lock (with one
    /// mutex, two workers pricing records waited on each other, 1.3% of `--json`'s time; perf, release build).
    private let cacheLock = ReadWriteLock()
    private var cache: [LookupKey: PricedModel?] = [:]
    private var apiURLCache: [String: Int?] = [:]
    private lazy var apiPatterns: [NSRegularExpression?] = providers.map { p in
        p.apiPattern.flatMap { try? NSRegularExpression(pattern: $0) }
    }

    private struct LookupKey: Hashable {
        var provider: String?
        var model: String
    }

    public init(version: String?, date: String?, currency: String, providers: [PriceProvider], origin: String) {
        self.version = version
        self.date = date
        self.currency = currency
        self.providers = providers
        self.origin = origin
    }

    /// The provider whose API URL pattern matches a base URL from its start (`https://api.groq.com/openai/v1`
    /// is Groq), the first in the table's order as genai-prices finds it; nil for an unknown server.
    /// - Complexity: O(providers) the first time a URL is asked, then O(1).
    public func provider(apiURL url: String) -> PriceProvider? {
        lock.lock()
        defer { lock.unlock() }
        if let hit = apiURLCache[url] { return hit.map { providers[$0] } }
        let range = NSRange(url.startIndex..., in: url)
        let found = apiPatterns.firstIndex { $0?.firstMatch(in: url, options: .anchored, range: range) != nil }
        apiURLCache[url] = found
        return found.map { providers[$0] }
    }

    /// The provider and model entry a model id names, or nil when the table has no price for it.
    ///
    /// The provider is `providerHint` when one is given and the table knows it; otherwise a known provider
    /// written as the model id's prefix (`openai/gpt-4o`); otherwise the first provider whose model pattern
    /// matches the id. The model is then looked up in that provider (and its fallback providers) only.
    /// - Complexity: O(providers + models of one provider) the first time a pair is asked, then O(1).
    public func lookup(model rawModel: String, providerHint: String? = nil) -> PricedModel? {
        let key = LookupKey(provider: providerHint, model: rawModel)
        if let hit = cacheLock.reading({ cache[key] }) { return hit }
        let found = resolve(model: rawModel, providerHint: providerHint)
        cacheLock.writing { cache[key] = found }
        return found
    }

    private func resolve(model rawModel: String, providerHint: String?) -> PricedModel? {
        var ref = rawModel.lowercased()
        var provider: PriceProvider?
        if let hint = providerHint {
            provider = self.provider(id: hint)
        }
        if provider == nil, let slash = ref.firstIndex(of: "/") {
            let prefix = String(ref[..<slash])
            if let named = self.provider(id: prefix) {
                provider = named
                ref = String(ref[ref.index(after: slash)...])
            }
        }
        if provider == nil {
            provider = providers.first { $0.modelMatch?.matches(ref) == true }
        }
        guard let provider, let model = findModel(ref, in: provider) else { return nil }
        return PricedModel(provider: provider, model: model.withPricesRead)
    }

    /// A provider by id, or by its provider-match rule (`azure_openai` names Azure), as genai-prices finds it.
    public func provider(id: String) -> PriceProvider? {
        let wanted = id.lowercased().trimmingCharacters(in: .whitespaces)
        return providers.first { $0.id == wanted } ?? providers.first { $0.providerMatch?.matches(wanted) == true }
    }

    private func findModel(_ ref: String, in provider: PriceProvider) -> PriceModel? {
        if let model = provider.models.first(where: { $0.match.matches(ref) }) { return model }
        // One step of fallback: Azure prices OpenAI's models, Bedrock Anthropic's.
        for id in provider.fallbackProviders {
            if let other = providers.first(where: { $0.id == id }),
               let model = other.models.first(where: { $0.match.matches(ref) }) {
                return model
            }
        }
        return nil
    }
}

/// A provider of the table and the model entry matched in it.
public struct PricedModel: Sendable {
    public var provider: PriceProvider
    public var model: PriceModel
}

public struct PriceProvider: Sendable {
    public var id: String
    public var name: String
    public var apiPattern: String?
    public var modelMatch: MatchClause?
    public var providerMatch: MatchClause?
    public var fallbackProviders: [String]
    public var models: [PriceModel] {
        get { storage.value }
        set { storage = .read(newValue) }
    }
    private var storage: ReadOrLater<[PriceModel]>

    public init(id: String, name: String, apiPattern: String?, modelMatch: MatchClause?, providerMatch: MatchClause?,
                fallbackProviders: [String], models: [PriceModel]) {
        self.id = id
        self.name = name
        self.apiPattern = apiPattern
        self.modelMatch = modelMatch
        self.providerMatch = providerMatch
        self.fallbackProviders = fallbackProviders
        storage = .read(models)
    }

    /// Leaves the models to be read from their JSON when first looked in: a lookup reads one provider (and
    /// its fallbacks) of the bundled table's 38, and building all 2,330 models as JSON values was 10 of the
    /// 26 ms that `--json` of one response took (hyperfine, static release build, against a table of one
    /// provider).
    mutating func readModelsLater(_ later: Later<[PriceModel]>) {
        storage = .later(later)
    }
}

/// A value read already, or one made when first asked for.
enum ReadOrLater<Value: Sendable>: Sendable {
    case read(Value)
    case later(Later<Value>)

    var value: Value {
        switch self {
        case .read(let v): return v
        case .later(let l): return l.value
        }
    }
}

/// A value made when first asked for, once, under a lock: the parts of a price table that most runs never
/// look at.
final class Later<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    private enum State {
        case pending(@Sendable () -> Value)
        case made(Value)
    }

    init(_ make: @escaping @Sendable () -> Value) {
        state = .pending(make)
    }

    var value: Value {
        lock.withLock {
            switch state {
            case .made(let v):
                return v
            case .pending(let make):
                let v = make()
                state = .made(v)
                return v
            }
        }
    }
}

public struct PriceModel: Sendable {
    public var id: String
    public var name: String?
    public var match: MatchClause
    /// Prices with their conditions in table order; the last one in force wins, the first when none is.
    public var prices: [ConditionalPrices] {
        get { storage.value }
        set { storage = .read(newValue) }
    }
    private var storage: ReadOrLater<[ConditionalPrices]>

    public init(id: String, name: String?, match: MatchClause, prices: [ConditionalPrices]) {
        self.id = id
        self.name = name
        self.match = match
        storage = .read(prices)
    }

    /// A model whose prices are read from their JSON when first asked for: most starts price one or two of
    /// the bundled table's 2,330 models, and making every model's price sets was most of reading the table
    /// (perf, release build).
    init(id: String, name: String?, match: MatchClause, later: Later<[ConditionalPrices]>) {
        self.id = id
        self.name = name
        self.match = match
        storage = .later(later)
    }

    /// The model with its prices read, so that pricing each record of a log takes no lock.
    var withPricesRead: PriceModel {
        guard case .later = storage else { return self }
        var m = self
        m.storage = .read(prices)
        return m
    }
}

public struct ConditionalPrices: Sendable {
    public var constraint: PriceConstraint?
    public var prices: PriceSet
}

/// When a price applies: from a UTC day on, or in a daily UTC time window (off-peak prices).
public enum PriceConstraint: Sendable, Equatable {
    /// Days since 1970-01-01 (UTC) and the date as written.
    case startDate(day: Int, text: String)
    /// Seconds since midnight UTC; a window that ends before it starts wraps past midnight.
    case timeOfDay(start: Int, end: Int)

    func isActive(atSeconds seconds: Double) -> Bool {
        switch self {
        case .startDate(let day, _):
            return (seconds / 86_400).rounded(.down) >= Double(day)
        case .timeOfDay(let start, let end):
            let ofDay = seconds - (seconds / 86_400).rounded(.down) * 86_400
            if end < start { return ofDay >= Double(start) || ofDay < Double(end) }
            return ofDay >= Double(start) && ofDay < Double(end)
        }
    }
}

/// Prices per million tokens; absent ones are not charged separately (their tokens count as their parent's).
public struct PriceSet: Sendable, Equatable {
    public var input: Price?
    public var cacheRead: Price?
    public var cacheWrite: Price?
    public var output: Price?
    public var outputReasoning: Price?
    /// Per thousand requests.
    public var requestsPerThousand: Price?
    /// The same prices as exact integers, for costs in integer arithmetic; nil when one has no such form.
    var exact: ExactPriceSet?
}

/// A flat price, or a base price with tiers that apply to all tokens once the prompt passes their start.
public enum Price: Sendable, Equatable {
    case flat(Decimal)
    case tiered(base: Decimal, tiers: [(start: Int, price: Decimal)])

    /// The price for a request whose prompt has `inputTokens` tokens: the highest tier it passes.
    func applicable(inputTokens: Int) -> Decimal {
        switch self {
        case .flat(let p): return p
        case .tiered(let base, let tiers):
            return tiers.last { inputTokens > $0.start }?.price ?? base
        }
    }

    public static func == (a: Price, b: Price) -> Bool {
        switch (a, b) {
        case (.flat(let x), .flat(let y)): return x == y
        case (.tiered(let bx, let tx), .tiered(let by, let ty)):
            return bx == by && tx.map(\.start) == ty.map(\.start) && tx.map(\.price) == ty.map(\.price)
        default: return false
        }
    }
}

/// A model or provider match rule: genai-prices' clauses over the lower-cased id.
public indirect enum MatchClause: Sendable {
    case equals(String)
    case startsWith(String)
    case endsWith(String)
    case contains(String)
    case regex(NSRegularExpressionBox)
    case or([MatchClause])
    case and([MatchClause])

    public func matches(_ text: String) -> Bool {
        switch self {
        case .equals(let s): return text.lowercased() == s
        case .startsWith(let s): return text.lowercased().hasPrefix(s)
        case .endsWith(let s): return text.lowercased().hasSuffix(s)
        case .contains(let s): return text.lowercased().contains(s)
        case .regex(let box): return box.search(text)
        case .or(let clauses): return clauses.contains { $0.matches(text) }
        case .and(let clauses): return clauses.allSatisfy { $0.matches(text) }
        }
    }
}

/// A regular expression that searches anywhere in the text, as Python's `re.search` does.
///
/// The bundled table's 73 expressions are compiled when first used, not when the table is read: compiling
/// them all took about a third of reading the table, which every start of the inspector waits for.
public final class NSRegularExpressionBox: @unchecked Sendable {
    let pattern: String
    private let lock = NSLock()
    /// nil until compiled; then the expression, or nil inside when the pattern does not compile.
    private var compiled: NSRegularExpression??

    init(_ regex: NSRegularExpression) {
        pattern = regex.pattern
        compiled = .some(regex)
    }

    /// An expression compiled on first use; one that does not compile matches nothing.
    init(compilingLater pattern: String) {
        self.pattern = pattern
        compiled = nil
    }

    var regex: NSRegularExpression? {
        lock.withLock {
            if let done = compiled { return done }
            let made = try? NSRegularExpression(pattern: pattern)
            compiled = .some(made)
            return made
        }
    }

    func search(_ text: String) -> Bool {
        guard let regex else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// A lock that many readers hold at once and a writer alone (POSIX's read-write lock).
final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() {
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deinitialize(count: 1)
        lock.deallocate()
    }

    func reading<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func writing<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
