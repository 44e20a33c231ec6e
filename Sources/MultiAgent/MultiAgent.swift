import ProviderKit
import Providers
import Credentials
