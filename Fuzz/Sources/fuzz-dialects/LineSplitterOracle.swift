import ProviderKit

/// Checks ``LineSplitter`` on `bytes` against a plain model of what it promises: fed in chunks of
/// any size, it returns the same lines as splitting the whole input at each newline, each with its
/// offset, a trailing carriage return dropped, and a line longer than the limit cut to the limit.
func checkLineSplitter(_ bytes: [UInt8]) {
  let limit = 64
  var expected: [ModelLine] = []
  var start = 0
  for (index, byte) in bytes.enumerated() where byte == 0x0A {
    expected.append(modelLine(bytes[start..<index], offset: start, limit: limit))
    start = index + 1
  }
  var splitter = LineSplitter(maximumLineLength: limit)
  var lines: [LineSplitter.Line] = []
  let chunk = bytes.isEmpty ? 1 : Int(bytes[0] % 23) + 1
  var position = 0
  while position < bytes.count {
    let end = min(position + chunk, bytes.count)
    lines += splitter.feed(Array(bytes[position..<end]))
    position = end
  }
  let tail = bytes[start...]
  if tail.count > limit { expected.append(modelLine(tail, offset: start, limit: limit)) }
  if let last = splitter.finish() { lines.append(last) }
  if !tail.isEmpty && tail.count <= limit { expected.append(modelLine(tail, offset: start, limit: limit)) }
  guard lines.count == expected.count else {
    fatalError("LineSplitter (chunks of \(chunk)): \(lines.count) lines, expected \(expected.count)")
  }
  for (line, model) in zip(lines, expected)
  where line.offset != model.offset || line.bytes.elementsEqual(model.bytes) == false
    || line.truncated != model.truncated
  {
    fatalError("LineSplitter (chunks of \(chunk)): \(line) instead of \(model)")
  }
}

/// A line as the model expects it.
struct ModelLine {
  var offset: Int64
  var bytes: ArraySlice<UInt8>
  var truncated: Bool
}

private func modelLine(_ raw: ArraySlice<UInt8>, offset: Int, limit: Int) -> ModelLine {
  if raw.count > limit { return ModelLine(offset: Int64(offset), bytes: raw.prefix(limit), truncated: true) }
  return ModelLine(offset: Int64(offset), bytes: raw.last == 0x0D ? raw.dropLast() : raw, truncated: false)
}
