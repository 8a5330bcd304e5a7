import Foundation
import Testing

/// Checks entry `name` of a conformance worker's JSON results (what each operation gave, or the
/// error it threw as `Type: message`) against `expected`; nil expects it absent or null.
func expectResult(
    in results: [String: Any], _ name: String, _ expected: Any?, sourceLocation: SourceLocation = #_sourceLocation
) {
    let actual = results[name]
    let same: Bool
    if let expected {
        same = actual.map { NSDictionary(dictionary: ["v": $0]).isEqual(to: ["v": expected]) } ?? false
    } else {
        same = actual == nil || actual is NSNull
    }
    #expect(same, "\(name): \(String(describing: actual)) != \(String(describing: expected))", sourceLocation: sourceLocation)
}
