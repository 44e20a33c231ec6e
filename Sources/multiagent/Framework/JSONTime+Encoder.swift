import Foundation
import JSONKit

extension JSONTime {
  /// Dates in `JSONEncoder` output as every `--json` time is written: ISO-8601 text in UTC with
  /// milliseconds.
  static let dateEncodingStrategy = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
    var container = encoder.singleValueContainer()
    try container.encode(JSONTime.string(date.timeIntervalSince1970))
  }
}
