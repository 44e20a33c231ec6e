import Foundation
import FuzzSupport
import ProviderKit
import Providers

/// Zones with and without daylight saving time, including a half-hour shift and a date-line jump.
let zones = ["UTC", "America/Santiago", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia"].map {
  TimeZone(identifier: $0)!
}
let parsers = zones.map { ResetTimeParser(now: FuzzInput.now, timeZone: $0) }

/// Reads a reset time out of the input in every notation and zone: the reader must never crash,
/// and a reset it finds must be a real instant.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = FuzzInput.text(data, size)
  for parser in parsers {
    for format in ExhaustionRule.ResetFormat.allCases {
      guard let date = parser.resetDate(in: text, format: format) else { continue }
      guard date.timeIntervalSince1970.isFinite else { fatalError("\(format): reset at \(date)") }
    }
  }
  return 0
}
