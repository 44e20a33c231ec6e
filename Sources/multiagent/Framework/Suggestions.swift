/// "Did you mean …?" for mistyped command, option and provider names.
enum Suggestions {
  /// The choice closest to `word`, if it is close enough to be a plausible typo or abbreviation.
  static func closest(to word: String, among choices: [String]) -> String? {
    let word = word.lowercased()
    let limit = word.count <= 3 ? 1 : word.count <= 8 ? 2 : 3
    var best: (choice: String, distance: Int)?
    for choice in choices {
      let candidate = choice.lowercased()
      var distance = editDistance(word, candidate)
      // A prefix ("prov" for "providers") is a plausible abbreviation too.
      if word.count >= 3, candidate.hasPrefix(word) { distance = min(distance, limit) }
      if distance <= limit, distance < (best?.distance ?? .max) { best = (choice, distance) }
    }
    return best?.choice
  }

  /// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
  /// (optimal string alignment), by characters.
  static func editDistance(_ left: String, _ right: String) -> Int {
    let a = Array(left)
    let b = Array(right)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }
}
