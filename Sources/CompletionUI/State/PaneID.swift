/// The panes of the inspector, in Tab order.
public enum PaneID: String, Sendable, Hashable, CaseIterable {
    case records, header, usage, choices, text, extras

    public var title: String {
        switch self {
        case .records: return "Records"
        case .header: return "Response"
        case .usage: return "Usage"
        case .choices: return "Choices"
        case .text: return "Text"
        case .extras: return "Extras"
        }
    }
}
