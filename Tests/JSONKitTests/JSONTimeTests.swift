import Foundation
import JSONKit
import Testing

@Suite struct JSONTimeTests {
  @Test(arguments: [
    (0.0, "1970-01-01T00:00:00.000Z"),
    (1_700_000_000.25, "2023-11-14T22:13:20.250Z"),
    (1_700_000_000.123, "2023-11-14T22:13:20.123Z"),
    (951_782_400.0, "2000-02-29T00:00:00.000Z"),
    (4_102_444_800.123456, "2100-01-01T00:00:00.123Z"),
    (-1.5, "1969-12-31T23:59:58.500Z"),
    (1e-300, "1970-01-01T00:00:00.000Z"),
    (1e300, "9999-12-31T23:59:59.999Z"),
    (-1e300, "0000-01-01T00:00:00.000Z"),
  ])
  func knownTimes(seconds: Double, text: String) {
    #expect(JSONTime.string(seconds) == text)
  }

  @Test func notFiniteHasNoText() {
    #expect(JSONTime.string(.nan) == nil)
    #expect(JSONTime.string(.infinity) == nil)
    #expect(JSONValue.time(.nan) == .null)
    #expect(JSONValue.time(nil) == .null)
  }

  /// Every day from 1600 to 2400 at a random instant agrees with Foundation's calendar, and reads
  /// back to the same millisecond.
  @Test func agreesWithFoundationAndRoundTrips() throws {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    var generator = SystemRandomNumberGenerator()
    var day = -11_676_096_000.0  // 1600-01-01
    while day < 13_569_465_600 {  // 2400-01-01
      let seconds = day + Double(Int.random(in: 0..<86_400_000, using: &generator)) / 1000
      let text = try #require(JSONTime.string(seconds))
      let parsed = try #require(JSONTime.seconds(text))
      #expect(abs(parsed - seconds) < 0.0005, "\(text)")
      let foundation = try #require(formatter.date(from: text))
      #expect(abs(foundation.timeIntervalSince1970 - seconds) < 0.0005, "\(text)")
      day += 86_400 * 3
    }
  }

  @Test func orderIsKept() {
    let times = (0..<10_000).map { Double($0) * 0.0003 + 1_800_000_000 }
    let texts = times.compactMap(JSONTime.string)
    #expect(texts == texts.sorted())
  }

  @Test(arguments: [
    ("2026-12-02T22:55:11Z", 1_796_252_111.0),
    ("2026-12-02T22:55:11.5Z", 1_796_252_111.5),
    ("2026-12-02T23:55:11.000+01:00", 1_796_252_111.0),
    ("2026-12-02T21:25:11-01:30", 1_796_252_111.0),
  ])
  func parsesOffsetsAndFractions(text: String, seconds: Double) {
    #expect(JSONTime.seconds(text) == seconds)
  }

  @Test(arguments: [
    "", "2026-12-02", "2026-13-02T00:00:00Z", "2026-12-02T24:00:00Z", "2026-12-02T00:00:00",
    "2026-12-02T00:00:00.Z", "2026-12-02T00:00:00+0100", "x026-12-02T00:00:00Z",
  ])
  func refusesWhatIsNotATime(text: String) {
    #expect(JSONTime.seconds(text) == nil)
  }

  @Test func decodesBothFormsAndEncodesText() throws {
    struct Holder: Codable {
      var at: Double?
      enum CodingKeys: String, CodingKey { case at }
      init(at: Double?) { self.at = at }
      init(from decoder: any Decoder) throws {
        at = try decoder.container(keyedBy: CodingKeys.self).decodeTimeIfPresent(forKey: .at)
      }
      func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeTime(at, forKey: .at)
      }
    }
    let decoder = JSONDecoder()
    #expect(try decoder.decode(Holder.self, from: Data(#"{"at": 12.5}"#.utf8)).at == 12.5)
    #expect(
      try decoder.decode(Holder.self, from: Data(#"{"at": "1970-01-01T00:00:12.500Z"}"#.utf8)).at == 12.5)
    #expect(try decoder.decode(Holder.self, from: Data(#"{"at": null}"#.utf8)).at == nil)
    #expect(throws: DecodingError.self) {
      try decoder.decode(Holder.self, from: Data(#"{"at": "soon"}"#.utf8))
    }
    let text = String(decoding: try JSONEncoder().encode(Holder(at: 12.5)), as: UTF8.self)
    #expect(text == #"{"at":"1970-01-01T00:00:12.500Z"}"#)
  }
}
