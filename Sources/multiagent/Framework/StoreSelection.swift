import MultiAgent
import StateStore

#if canImport(Glibc)
  import Glibc
#endif

/// Which store a command uses: `--store URL`, else `$MULTIAGENT_STORE`, else the home's SQLite file.
enum StoreSelection {
  /// The shared store named by `option` (`--store`) or the environment, or nil for the home's file.
  ///
  /// A store given with `--store` is put into this process's environment (and `environment`):
  /// supervisors and agents started from here inherit it there, as they inherit the home, and never
  /// see it in their arguments, where any user of the machine could read its password.
  ///
  /// - Throws: a usage ``CLIError`` (exit 2) for a value that is not a `postgres://` or
  ///   `postgresql://` URL; the message shows it without its password.
  static func resolve(_ option: String?, environment: inout [String: String]) throws(CLIError)
    -> StoreLocation?
  {
    let variable = StateHome.storeEnvironmentVariable
    let fromOption = option.map { !$0.isEmpty } ?? false
    guard let url = fromOption ? option : environment[variable], !url.isEmpty else { return nil }
    let location: StoreLocation
    do {
      location = try StoreLocation(url: url)
    } catch {
      throw CLIError.usage(
        "invalid_store", error.message,
        hint: fromOption ? "usage: --store postgres://user@host/db" : "check \(variable)")
    }
    if fromOption {
      environment[variable] = url
      setenv(variable, url, 1)
    }
    return location
  }
}
