import Credentials
import StateStore

// The account types of the layers below, under the same names, so that a user of MultiAgent (the
// `multiagent` CLI among them) reaches accounts through ``Accounts`` without importing Credentials or
// StateStore. Each name is the very type, not a copy.

/// A provider account (see ``Accounts``); the secret is never part of it.
public typealias Account = Credentials.Account
/// One line of an account's history (``Accounts/events(of:limit:)``).
public typealias AccountEvent = Credentials.AccountEvent
/// The latest reading of one of an account's usage windows.
public typealias AccountQuota = Credentials.AccountQuota
/// When usage readings make the next run prefer another account.
public typealias RotationThresholds = Credentials.RotationThresholds
/// An account's secret: an API key, a token, or a credential file in its config dir.
public typealias AccountSecret = Credentials.AccountSecret
/// A failure of an account or credential operation (config dirs, credential files, choosing).
public typealias CredentialError = Credentials.CredentialError
/// A failure of the state database, with a stable code.
public typealias StoreError = StateStore.StoreError
/// An account lent to a host (see `Hosts`): exclusive for a refreshable credential, else shared.
public typealias AccountLease = Credentials.AccountLease
