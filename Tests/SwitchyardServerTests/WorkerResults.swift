import Foundation
import Testing

/// What a conformance worker answered: `{check: its result}`, read from its JSON body.
struct WorkerResults {
    let values: [String: Any]

    init(json body: String) throws {
        values = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    subscript(_ name: String) -> Any? { values[name] }

    /// Expects check `name` to have given `expected`, compared as JSON values (`nil`: null or absent).
    func expect(_ name: String, _ expected: Any?, sourceLocation: SourceLocation = #_sourceLocation) {
        let actual = values[name]
        let same: Bool
        if let expected {
            same = actual.map { NSDictionary(dictionary: ["v": $0]).isEqual(to: ["v": expected]) } ?? false
        } else {
            same = actual == nil || actual is NSNull
        }
        #expect(same, "\(name): \(String(describing: actual)) != \(String(describing: expected))", sourceLocation: sourceLocation)
    }
}
