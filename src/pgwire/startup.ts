/**
 * The StartupMessage's meaning: which protocol versions we speak and how startup parameters become the
 * adapter's StartupParams. Pure; the connection does the talking.
 */
import type { StartupParams } from '../adapter/index.ts';
import { SqlError, SqlState } from '../util/index.ts';
import type { FrontendMessage } from './frontend.ts';

export interface StartupRequest {
  readonly params: StartupParams;
  /** True when the client asked for more than 3.0 (newer minor version or `_pq_.` options): answer NegotiateProtocolVersion. */
  readonly negotiate: boolean;
  /** `_pq_.` protocol options we do not recognize (all of them). */
  readonly unrecognizedOptions: readonly string[];
}

/** Validates a StartupMessage; throws a FATAL SqlError for an unsupported protocol or a missing user. */
export function readStartup(msg: Extract<FrontendMessage, { kind: 'Startup' }>): StartupRequest {
  if (msg.majorVersion !== 3) {
    throw new SqlError(SqlState.featureNotSupported, `unsupported frontend protocol ${msg.majorVersion}.${msg.minorVersion}: server supports 3.0 to 3.0`, { severity: 'FATAL' });
  }
  const user = msg.params.get('user');
  if (user === undefined || user === '') {
    throw new SqlError('28000', 'no PostgreSQL user name specified in startup packet', { severity: 'FATAL' });
  }
  const other = new Map<string, string>();
  const unrecognizedOptions: string[] = [];
  for (const [k, v] of msg.params) {
    if (k.startsWith('_pq_.')) unrecognizedOptions.push(k);
    else if (k !== 'user' && k !== 'database' && k !== 'application_name') other.set(k, v);
  }
  const appName = msg.params.get('application_name');
  const params: StartupParams = {
    user,
    database: msg.params.get('database') || user,
    ...(appName === undefined ? {} : { applicationName: appName }),
    other,
  };
  return { params, negotiate: msg.minorVersion > 0 || unrecognizedOptions.length > 0, unrecognizedOptions };
}
